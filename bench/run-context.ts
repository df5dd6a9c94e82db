/** What every benchmark section gets from main.ts. */
import type { ModeSizes, Pair, SuiteId } from './common.js';

export interface RunContext {
  sizes: ModeSizes;
  certFile: string;
  keyFile: string;
  /** Progress lines (stderr), so stdout stays the table. */
  log: (line: string) => void;
  /**
   * Why a suite cannot be measured for a pair (e.g. "n/a (TLS 1.2 not implemented yet)"), or
   * null when it can.
   */
  unsupported: (suite: SuiteId, pair: Pair) => string | null;
  /** Why resumed handshakes of a suite cannot be measured with typessl, or null when they can. */
  resumptionUnsupported: (suite: SuiteId) => string | null;
}
