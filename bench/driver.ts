/**
 * Starts and talks to benchmark child processes (peer.ts): a server that answers `mark`, and
 * clients that print one result. Every child is killed when its run ends or times out, so a
 * benchmark never leaves processes behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ClientSpec, Mark, ServerSpec } from './peer.js';

const PEER = fileURLToPath(new URL('./peer.js', import.meta.url));

/** A child process speaking JSON lines. */
class Child {
  private readonly proc: ChildProcess;
  private readonly waiting: Array<(msg: Record<string, unknown>) => void> = [];
  private readonly inbox: Record<string, unknown>[] = [];
  private exited = false;
  private stderr = '';
  private exitFailure: Error | null = null;

  constructor(spec: ServerSpec | ClientSpec, exposeGc: boolean) {
    const args = [...(exposeGc ? ['--expose-gc'] : []), PEER, JSON.stringify(spec)];
    this.proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (d: Buffer) => {
      if (this.stderr.length < 8192) this.stderr += d.toString();
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      const w = this.waiting.shift();
      if (w) w(msg);
      else this.inbox.push(msg);
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = true;
      this.exitFailure = new Error(`benchmark child ${spec.role} (${spec.impl}, ${spec.task}) exited (${code ?? signal}) ${this.stderr.trim()}`);
      for (const w of this.waiting.splice(0)) w({ event: 'exit' });
    });
    // A child that dies is reported through the next message wait, not as an unhandled error.
    this.proc.stdin!.on('error', () => {});
  }

  /** The next JSON message, failing on a child error, exit or timeout. */
  next(timeoutMs: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const settle = (msg: Record<string, unknown>): void => {
        clearTimeout(timer);
        if (msg.event === 'error') reject(new Error(`benchmark child failed: ${String(msg.message)}`));
        else if (msg.event === 'exit') reject(this.exitFailure ?? new Error('benchmark child exited'));
        else resolve(msg);
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(settle);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new Error(`benchmark child did not answer within ${timeoutMs} ms ${this.stderr.trim()}`));
      }, timeoutMs);
      const queued = this.inbox.shift();
      if (queued) settle(queued);
      else if (this.exited) settle({ event: 'exit' });
      else this.waiting.push(settle);
    });
  }

  send(line: string): void {
    if (!this.exited) this.proc.stdin!.write(line + '\n');
  }

  /** Asks the child to exit and kills it if it has not within a second. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.send('exit');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 1000);
    await gone;
    clearTimeout(timer);
  }
}

/** A running benchmark server. */
export class PeerServer {
  private constructor(
    private readonly child: Child,
    readonly port: number,
  ) {}

  static async start(spec: ServerSpec): Promise<PeerServer> {
    const child = new Child(spec, true);
    try {
      const ready = await child.next(20_000);
      return new PeerServer(child, Number(ready.port));
    } catch (e) {
      await child.stop();
      throw e;
    }
  }

  /** The server's CPU time so far and its memory (after a garbage collection when `gc`). */
  async mark(gc = false): Promise<Mark> {
    this.child.send(gc ? 'mark gc' : 'mark');
    return (await this.child.next(20_000)) as unknown as Mark;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

/**
 * A client child kept for several measured runs (handshake clients): the first `run` waits for
 * its warm-up report, every `run` lets `beforeGo` mark the server, tells the child to go and
 * returns that run's result. Later runs measure the same process again, warm.
 */
export class ClientProcess {
  private warmed = false;

  private constructor(
    private readonly child: Child,
    private readonly timeoutMs: number,
  ) {}

  /** Starts the child; it begins its warm-up at once. */
  static start(spec: ClientSpec, timeoutMs: number): ClientProcess {
    return new ClientProcess(new Child(spec, true), timeoutMs);
  }

  async run<T>(beforeGo: () => Promise<void>): Promise<T> {
    if (!this.warmed) {
      const msg = await this.child.next(this.timeoutMs);
      if (msg.event !== 'warm') throw new Error(`benchmark client: expected its warm-up report, got ${JSON.stringify(msg).slice(0, 200)}`);
      this.warmed = true;
    }
    await beforeGo();
    this.child.send('go');
    return (await this.child.next(this.timeoutMs)) as unknown as T;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

/**
 * Runs a client child for one result: after its warm-up report it waits until `onWarm` has run
 * (the caller marks the server's CPU there) and is then told to go on.
 */
export async function runClient<T>(spec: ClientSpec, timeoutMs: number, onWarm: () => Promise<void> = async () => {}): Promise<T> {
  const client = ClientProcess.start(spec, timeoutMs);
  try {
    return await client.run<T>(onWarm);
  } finally {
    await client.stop();
  }
}

/**
 * Starts a client child and waits for its result while keeping it alive; call `release` to end
 * it. As runClient, `onWarm` runs between the child's warm-up report and its go.
 */
export async function holdClient<T>(spec: ClientSpec, timeoutMs: number, onWarm: () => Promise<void>): Promise<{ result: T; release: () => Promise<void> }> {
  const client = ClientProcess.start(spec, timeoutMs);
  try {
    const result = await client.run<T>(onWarm);
    return { result, release: () => client.stop() };
  } catch (e) {
    await client.stop();
    throw e;
  }
}
