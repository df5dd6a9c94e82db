import type { ByteStreamPair } from '../bio/stream.js';

/**
 * The part of the WHATWG `WebSocket` that {@link webSocketStreams} uses (browsers, Deno, Workers,
 * Node 22's global WebSocket and the `ws` package all have it).
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: { data?: unknown; code?: number; reason?: string }) => void): void;
}

const CONNECTING = 0;
const OPEN = 1;
/** While more than this many bytes are buffered by the WebSocket, writes wait. */
const SEND_HIGH_WATER_MARK = 256 * 1024;
/** WebSocket has no 'drain' event: how often to look at bufferedAmount while it is high. */
const DRAIN_POLL_MS = 5;

/**
 * A WebSocket as a pair of byte streams, for TLS over a WebSocket proxy: every binary message
 * received is a chunk of the readable; every chunk written is sent as one binary message.
 * A WebSocket cannot half-close, so closing the writable only stops sending: the WebSocket is
 * closed (code 1000) once the readable is also finished with (cancelled, as typessl/web does
 * after both close_notify alerts) or when the writable is aborted. A WebSocket closed by the other
 * side ends the readable (normal close) or errors it (abnormal close, an 'error' event).
 *
 * Backpressure: writes wait while `bufferedAmount` is above 256 KiB. The WebSocket API cannot
 * pause receiving, so the readable buffers what arrives.
 */
export function webSocketStreams(ws: WebSocketLike): ByteStreamPair {
  ws.binaryType = 'arraybuffer';
  const opened = new Promise<void>((resolve, reject) => {
    if (ws.readyState === OPEN) resolve();
    else if (ws.readyState !== CONNECTING) reject(new Error('the WebSocket is closed'));
    else {
      ws.addEventListener('open', () => resolve());
      ws.addEventListener('close', () => reject(new Error('the WebSocket closed before it opened')));
    }
  });
  opened.catch(() => undefined);
  let closedByUs = false;
  /** The readable is finished (ended, errored or cancelled): later WebSocket events are ignored. */
  let done = false;
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      ws.addEventListener('message', (event) => {
        if (done) return;
        const data = event.data;
        if (data instanceof ArrayBuffer) controller.enqueue(new Uint8Array(data));
        else if (ArrayBuffer.isView(data)) controller.enqueue(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        else {
          done = true;
          controller.error(new TypeError('webSocketStreams: a text message arrived; TLS needs binary messages'));
        }
      });
      ws.addEventListener('error', () => {
        if (done) return;
        done = true;
        controller.error(new Error('WebSocket error'));
      });
      ws.addEventListener('close', (event) => {
        if (done) return;
        done = true;
        if (event.code === 1000 || event.code === 1005 || closedByUs) controller.close();
        else controller.error(Object.assign(new Error(`the WebSocket closed abnormally (code ${event.code})`), { code: event.code }));
      });
    },
    cancel() {
      done = true;
      closedByUs = true;
      ws.close(1000);
    },
  });
  let writeClosed = false;
  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      await opened;
      if (writeClosed || ws.readyState !== OPEN) throw new Error('the WebSocket is closed');
      ws.send(chunk);
      while (ws.bufferedAmount > SEND_HIGH_WATER_MARK && ws.readyState === OPEN) {
        await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      }
    },
    close() {
      // Half-close is not possible: the WebSocket stays open for the peer's last data (its TLS
      // close_notify) until the readable is cancelled or ends.
      writeClosed = true;
    },
    abort() {
      closedByUs = true;
      ws.close(1011);
    },
  });
  return { readable, writable };
}
