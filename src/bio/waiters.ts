/** A pending `waitReadable()` / `waitWritable()` (a promise's resolve function). */
export type Waiter = () => void;

/**
 * The waiters of one kind (readable, writable) of an event-driven BIO, woken together in the order
 * they came. There is almost always one or none, and an idle connection keeps one parked for as
 * long as it stays idle: the first is held in a field, not in an array, whose first push reserves
 * 17 slots (about 150 bytes of JS heap per idle connection and kind).
 */
export class Waiters {
  private first: Waiter | null = null;
  private rest: Waiter[] | null = null;

  /** Whether any waiter is parked. */
  get waiting(): boolean {
    return this.first !== null;
  }

  /** Parks `waiter` until the next `wake()`. */
  add(waiter: Waiter): void {
    if (this.first === null) this.first = waiter;
    else (this.rest ??= []).push(waiter);
  }

  /** Calls and forgets every parked waiter; those added meanwhile wait for the next wake. */
  wake(): void {
    const first = this.first;
    if (first === null) return;
    const rest = this.rest;
    this.first = null;
    this.rest = null;
    first();
    if (rest !== null) for (const waiter of rest) waiter();
  }
}
