/**
 * A parked callback, called with the value it was parked with: a pending `waitReadable()` /
 * `waitWritable()` (a promise's resolve function, parked with nothing), or a `whenReadable` /
 * `whenWritable` callback and its argument.
 */
export type Waiter<T = void> = (arg: T) => void;

/**
 * The waiters of one kind (readable, writable) of an event-driven BIO, woken together in the order
 * they came. There is almost always one or none, and an idle connection keeps one parked for as
 * long as it stays idle: the first is held in fields, not in an array, whose first push reserves
 * 17 slots (about 150 bytes of JS heap per idle connection and kind). A callback parked with an
 * argument can be one function for every connection (AsyncSsl's read retry), where one that has
 * to find its connection by itself is a closure and a context per connection (96 bytes).
 */
export class Waiters {
  private first: Waiter<never> | null = null;
  private firstArg: unknown = undefined;
  /** The later ones: callback, argument, callback, argument... */
  private rest: unknown[] | null = null;

  /** Whether any waiter is parked. */
  get waiting(): boolean {
    return this.first !== null;
  }

  /** Parks `waiter` until the next `wake()`, which calls it with `arg`. */
  add(waiter: () => void): void;
  add<T>(waiter: Waiter<T>, arg: T): void;
  add<T>(waiter: Waiter<T>, arg?: T): void {
    if (this.first === null) {
      this.first = waiter as Waiter<never>;
      this.firstArg = arg;
    } else (this.rest ??= []).push(waiter, arg);
  }

  /** Calls and forgets every parked waiter; those added meanwhile wait for the next wake. */
  wake(): void {
    const first = this.first as Waiter<unknown> | null;
    if (first === null) return;
    const arg = this.firstArg;
    const rest = this.rest;
    this.first = null;
    this.firstArg = undefined;
    this.rest = null;
    first(arg);
    if (rest !== null) for (let i = 0; i < rest.length; i += 2) (rest[i] as Waiter<unknown>)(rest[i + 1]);
  }
}
