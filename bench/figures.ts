/**
 * A benchmark figure: one measured quantity for typessl and for its reference (node:tls, or the
 * raw node:crypto AEAD for the record layer), the medians of alternating runs, and their ratio.
 */
import { median, type SuiteId } from './common.js';

export type Section = 'bulk' | 'handshake' | 'memory' | 'record';

export interface Figure {
  section: Section;
  suite: SuiteId;
  /** What is measured, e.g. "16 KiB writes: throughput". */
  name: string;
  unit: string;
  /** Whether a larger value is better (throughput, rates) or worse (CPU, memory, time). */
  higherIsBetter: boolean;
  /** Who ran on each side for the typessl value, e.g. "typessl" or "typessl client / node server". */
  subject: string;
  /** The reference: "node:tls" or "node:crypto AEAD". */
  reference: string;
  /** Median of the subject's samples, or null when not measured. */
  value: number | null;
  /** Median of the reference's samples. */
  referenceValue: number | null;
  /** value / referenceValue. */
  ratio: number | null;
  samples: number[];
  referenceSamples: number[];
  /** Why the figure has no value (e.g. "n/a (TLS 1.2 not implemented yet)"). */
  note?: string;
}

/** A figure built from samples. */
export function figure(
  base: Pick<Figure, 'section' | 'suite' | 'name' | 'unit' | 'higherIsBetter' | 'subject' | 'reference'>,
  samples: number[],
  referenceSamples: number[],
): Figure {
  const value = median(samples);
  const referenceValue = median(referenceSamples);
  const ratio = Number.isFinite(value) && Number.isFinite(referenceValue) && referenceValue !== 0 ? value / referenceValue : null;
  return {
    ...base,
    value: Number.isFinite(value) ? value : null,
    referenceValue: Number.isFinite(referenceValue) ? referenceValue : null,
    ratio,
    samples,
    referenceSamples,
  };
}

/** A figure that could not be measured, with the reason printed in its place. */
export function unavailable(base: Pick<Figure, 'section' | 'suite' | 'name' | 'unit' | 'higherIsBetter' | 'subject' | 'reference'>, note: string): Figure {
  return { ...base, value: null, referenceValue: null, ratio: null, samples: [], referenceSamples: [], note };
}

/**
 * Runs `arms` round-robin for `reps` rounds (A B C A B C ...), so slow drifts of a shared machine
 * fall on every arm alike, and returns each arm's list of samples.
 */
export async function alternate<T>(reps: number, arms: Array<() => Promise<T>>): Promise<T[][]> {
  const out: T[][] = arms.map(() => []);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < arms.length; i++) out[i]!.push(await arms[i]!());
  }
  return out;
}
