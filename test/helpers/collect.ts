import type { Readable } from 'node:stream';

/** Everything a readable delivers until 'end'; rejects on 'error' (so truncation is never an end). */
export function collect(s: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.once('end', () => resolve(Buffer.concat(parts)));
    s.once('error', reject);
  });
}
