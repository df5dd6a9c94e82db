/**
 * Whether two byte strings are equal. Every layer compares bytes (Finished values and binders,
 * certificate names, key identifiers, session IDs), so there is one comparison, in the lowest
 * layer. It reads every byte whatever it finds (the time depends on the length only), which
 * secrets need and costs the other uses nothing that matters.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
