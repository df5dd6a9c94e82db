/**
 * The script of the browser test page (runs in Chromium, not in Node). It loads the browser
 * bundle (`typessl.js`, served beside this file), opens a WebSocket to the test's WebSocket-to-TCP
 * bridge, and drives one TLS connection with the public API: `SslContext`, `Ssl` and two
 * `MemoryBio`s, moving ciphertext between the BIOs and the WebSocket. It completes the handshake
 * (verifying the server certificate), sends an HTTP request, reads the whole reply and closes
 * with close_notify, then shows the outcome on the page (for the screenshot) and returns it.
 *
 * Compiled by tsc like every test file; it only uses what browsers have (WebSocket, TextEncoder,
 * document), reached through `globalThis` because the project compiles without the DOM types.
 */
type Typessl = typeof import('../../src/browser.js');

/** What the test asks the page to do. */
export interface PageOptions {
  /** ws:// URL of the bridge (which connects on to the TLS server). */
  wsUrl: string;
  /** SslContext options: trust and versions, as the test decides. */
  context: Record<string, unknown>;
  /** SNI and the name the certificate must carry. */
  serverName: string;
  /** The HTTP request to send. */
  request: string;
}

/** What the page reports back. */
export interface PageResult {
  ok: boolean;
  provider: string;
  version: string;
  cipher: string | null;
  group: string | null;
  peerSignatureScheme: string | null;
  /** The HTTP reply, as text. */
  response: string;
  /** The return value of the last shutdown() call (1: close_notify sent and received). */
  shutdown: number;
  /** getShutdown() flags at the end. */
  shutdownFlags: number;
  log: string[];
  error?: string;
}

interface BrowserWebSocket {
  binaryType: string;
  readyState: number;
  send(data: Uint8Array): void;
  close(): void;
  onopen: (() => void) | null;
  onmessage: ((ev: { data: ArrayBuffer }) => void) | null;
  onclose: (() => void) | null;
  onerror: (() => void) | null;
}

interface PageDocument {
  getElementById(id: string): { textContent: string; className: string } | null;
}

const browser = globalThis as unknown as { WebSocket: new (url: string) => BrowserWebSocket; document: PageDocument };

/** Runs the whole exchange; never throws (errors are reported in the result). */
export async function runTls(options: PageOptions): Promise<PageResult> {
  const log: string[] = [];
  const result: PageResult = { ok: false, provider: '', version: '', cipher: null, group: null, peerSignatureScheme: null, response: '', shutdown: -1, shutdownFlags: 0, log };
  try {
    const lib = (await import(new URL('./typessl.js', import.meta.url).href)) as Typessl;
    const ctx = new lib.SslContext(options.context);
    result.provider = ctx.provider.name;
    const ssl = new lib.Ssl(ctx);
    const fromNet = new lib.MemoryBio();
    const toNet = new lib.MemoryBio();
    ssl.setBio(fromNet, toNet);
    ssl.setConnectState();
    ssl.setServerName(options.serverName);

    // The transport: every WebSocket message is ciphertext from the server.
    const ws = new browser.WebSocket(options.wsUrl);
    ws.binaryType = 'arraybuffer';
    let closed = false;
    let wake: (() => void) | null = null;
    const signal = (): void => {
      const w = wake;
      wake = null;
      w?.();
    };
    ws.onmessage = (ev) => {
      fromNet.write(new Uint8Array(ev.data));
      signal();
    };
    ws.onclose = () => {
      closed = true;
      // A closed transport reads as EOF, so a missing close_notify is seen as such.
      fromNet.setEofReturn(0);
      signal();
    };
    ws.onerror = ws.onclose;
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      wake = () => reject(new Error('WebSocket to the bridge failed'));
    });
    const flush = (): void => {
      if (toNet.pending() > 0 && !closed) ws.send(toNet.drain());
    };
    const moreInput = (): Promise<void> => (closed ? Promise.resolve() : new Promise<void>((resolve) => (wake = resolve)));
    /** Calls `step` until it succeeds, waiting for network input on WANT_READ, like a blocking BIO. */
    const drive = async (what: string, step: () => number): Promise<number> => {
      for (;;) {
        const r = step();
        flush();
        if (r > 0) return r;
        const code = ssl.getError(r);
        if (code === lib.SSL_ERROR_WANT_READ && !closed) {
          await moreInput();
          continue;
        }
        if (code === lib.SSL_ERROR_ZERO_RETURN) return 0;
        throw new Error(`${what}: ${JSON.stringify(ssl.getErrorInfo())}`);
      }
    };

    await drive('handshake', () => ssl.connect());
    result.version = ssl.getVersion();
    result.cipher = ssl.getCipherName();
    result.group = ssl.getGroupName();
    result.peerSignatureScheme = ssl.getPeerSignatureSchemeName();
    log.push(`handshake done: ${result.version} ${result.cipher} ${result.group} ${result.peerSignatureScheme}`);

    await drive('write', () => ssl.write(new TextEncoder().encode(options.request)));
    log.push(`sent ${JSON.stringify(options.request.split('\r\n')[0])}`);

    // Read until the reply is complete by its Content-Length.
    const decoder = new TextDecoder();
    const buf = new Uint8Array(16384);
    let text = '';
    for (;;) {
      const headerEnd = text.indexOf('\r\n\r\n');
      const length = /content-length:\s*(\d+)/i.exec(text);
      if (headerEnd >= 0 && length && text.length >= headerEnd + 4 + Number(length[1])) break;
      const n = await drive('read', () => ssl.read(buf));
      if (n === 0) break;
      text += decoder.decode(buf.subarray(0, n), { stream: true });
    }
    result.response = text;
    log.push(`received ${text.length} bytes: ${JSON.stringify(text.split('\r\n')[0])}`);

    // Two-step shutdown: our close_notify, then the server's.
    result.shutdown = ssl.shutdown();
    flush();
    log.push(`shutdown() = ${result.shutdown} (close_notify sent)`);
    while (result.shutdown === 0 && !closed) {
      await moreInput();
      result.shutdown = ssl.shutdown();
      flush();
    }
    result.shutdownFlags = ssl.getShutdown();
    log.push(`shutdown() = ${result.shutdown}, getShutdown() = ${result.shutdownFlags}`);
    ws.close();
    result.ok = result.shutdown === 1;
  } catch (e) {
    result.error = (e as Error).stack ?? String(e);
    log.push(`error: ${(e as Error).message}`);
  }
  show(options, result);
  return result;
}

/** Writes the outcome into the page, for people and the screenshot. */
function show(options: PageOptions, r: PageResult): void {
  const out = browser.document.getElementById('result');
  if (!out) return;
  out.className = r.ok ? 'ok' : 'failed';
  out.textContent = [
    `${r.ok ? 'PASS' : 'FAIL'}: typessl in the browser (${r.provider} provider) over ${options.wsUrl}`,
    `${r.version} ${r.cipher ?? ''} ${r.group ?? ''}, server signed with ${r.peerSignatureScheme ?? '?'}`,
    '',
    ...r.log,
    '',
    r.response.slice(0, 600),
    r.error ?? '',
  ].join('\n');
}
