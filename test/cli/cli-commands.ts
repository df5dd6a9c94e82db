/**
 * Commands as child processes for the CLI tests: `typessl s_client` / `s_server`, and `openssl`
 * run the way a person runs it (without `-brief`, so it prints its "Reused" / "New" lines), with
 * stdout and stderr collected. `killCommands()` (in an `after` hook) ends whatever is still running.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import '../../src/index.js';
import { runSClient } from '../../src/cli/s-client.js';
import { runSServer } from '../../src/cli/s-server.js';
import { findListeningPort } from '../helpers/peers.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const running = new Set<ChildProcessWithoutNullStreams>();

/** A command as a child process, with its stdout and stderr collected. */
export interface Command {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `re` in stderr (rejects if the command exits first or after 30 s). */
  waitForStderr(re: RegExp): Promise<RegExpMatchArray>;
  /** Resolves once stdout holds `text`. */
  waitForStdout(text: string): Promise<void>;
  /** The exit status. */
  exited: Promise<number | null>;
}

/** Kills every command still running (SIGKILL); for `after` hooks. */
export function killCommands(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Runs `file` with `args` as a child process (no shell). */
export function command(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Command {
  const child = spawn(file, args, { env, stdio: 'pipe' });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('latin1')));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => {
    running.delete(child);
    resolve(code);
  }));
  const waitFor = (get: () => string, test: (s: string) => boolean, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (test(get())) {
          cleanup();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; stderr:\n${err}`));
      }, 30_000);
      const onClose = (): void => {
        cleanup();
        if (test(get())) resolve();
        else reject(new Error(`command exited before ${what}; stderr:\n${err}`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        child.stdout.off('data', check);
        child.stderr.off('data', check);
        child.off('close', onClose);
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      child.once('close', onClose);
      check();
    });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForStderr: async (re) => {
      await waitFor(() => err, (s) => re.test(s), String(re));
      return re.exec(err)!;
    },
    waitForStdout: (text) => waitFor(() => out, (s) => s.includes(text), JSON.stringify(text)),
    exited,
  };
}

/** A typessl command (`s_client ...`, `s_server ...`) as a child process. */
export function typessl(args: string[], env: NodeJS.ProcessEnv = process.env): Command {
  return command(process.execPath, [main, ...args], env);
}

/** Starts `typessl s_server` on an ephemeral port and returns it with the port. */
export async function typesslServer(args: string[]): Promise<{ server: Command; port: number }> {
  const server = typessl(['s_server', '-accept', '127.0.0.1:0', ...args]);
  const m = await server.waitForStderr(/ACCEPT 127\.0\.0\.1:(\d+)/);
  return { server, port: Number(m[1]) };
}

/**
 * Starts `openssl s_server` on 127.0.0.1 with an ephemeral port, without `-brief` (so it prints
 * "Reused session-id" for each resumed connection). Its stdin stays open until the test ends it,
 * as an s_server whose stdin reaches EOF stops serving.
 */
export async function opensslServer(args: string[]): Promise<{ server: Command; port: number }> {
  const server = command('openssl', ['s_server', '-accept', '127.0.0.1:0', ...args]);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const port = findListeningPort(server.child.pid ?? 0);
    if (port > 0) return { server, port };
    if (server.child.exitCode !== null || Date.now() > deadline) {
      server.child.kill('SIGKILL');
      throw new Error(`openssl s_server did not listen:\n${server.stdout()}${server.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs `s_client ...` / `s_server ...` in this process (for usage errors, which end before any
 * I/O; main.ts's mapping of the status to the exit code is tested through a child process).
 * Returns the status and everything printed.
 */
export async function runInProcess(args: readonly string[]): Promise<{ status: number; text: string }> {
  const lines: string[] = [];
  const io = { stdin: Readable.from([]), stdout: new PassThrough(), print: (line: string) => lines.push(line) };
  const [name, ...rest] = args;
  if (name !== 's_client' && name !== 's_server') throw new Error(`runInProcess: ${name} is not a command`);
  const status = await (name === 's_client' ? runSClient(rest, io) : runSServer(rest, io));
  return { status, text: lines.join('\n') };
}
