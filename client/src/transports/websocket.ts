// WebSocket transport: /v1/ws, subprotocol tandem.v1, one message per frame up, an object or an
// array of messages per frame down (docs/protocol.md §12).
import type { ClientMessage, ServerMessage, Welcome } from '../protocol.js';
import { TransportFailure, type Transport, type TransportContext } from '../transport.js';

export class WebSocketTransport implements Transport {
  readonly name = 'websocket' as const;
  #socket: WebSocket | null = null;
  #closed = false;
  #open = false;

  constructor(private readonly context: TransportContext) {}

  open(hello: ClientMessage, deadlineMs: number): Promise<Welcome> {
    const url = this.context.url.replace(/^http/, 'ws').replace(/\/$/, '') + '/v1/ws';
    return new Promise<Welcome>((resolve, reject) => {
      let settled = false;
      const fail = (failure: TransportFailure): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#shut();
        reject(failure);
      };
      // Hung: no upgrade answer; silent: upgraded, but no welcome came back.
      const timer = setTimeout(() => {
        fail(this.#open
          ? new TransportFailure('silent', `no welcome within ${deadlineMs} ms`)
          : new TransportFailure('hung', `no upgrade answer within ${deadlineMs} ms`));
      }, deadlineMs);
      let socket: WebSocket;
      try {
        socket = new WebSocket(url, ['tandem.v1']);
      } catch (error) {
        fail(new TransportFailure('error', String(error)));
        return;
      }
      this.#socket = socket;
      socket.onopen = () => {
        this.#open = true;
        socket.send(JSON.stringify(hello));
      };
      socket.onmessage = (event: MessageEvent) => {
        if (this.#closed || typeof event.data !== 'string') return;
        let parsed: unknown;
        try { parsed = JSON.parse(event.data); } catch { return; }
        for (const message of (Array.isArray(parsed) ? parsed : [parsed]) as ServerMessage[]) {
          if (!settled) {
            if (message.t === 'welcome') {
              settled = true;
              clearTimeout(timer);
              resolve(message);
            } else if (message.t === 'error' && message.fatal) {
              fail(new TransportFailure('refused', `${message.code}: ${message.message}`, undefined,
                message.code === 'unauthorized' || message.code === 'bad_client_id'));
            }
            continue;
          }
          this.context.onMessage(message);
        }
      };
      socket.onclose = (event: CloseEvent) => {
        if (this.#closed) return;
        // Browsers hide the HTTP status of a refused upgrade: a close before open is a refusal.
        if (!settled) {
          fail(this.#open
            ? new TransportFailure('error', `closed ${event.code} before welcome`)
            : new TransportFailure('refused', `upgrade failed (close ${event.code})`));
          return;
        }
        this.#closed = true;
        this.context.onClose(new TransportFailure('error', `closed ${event.code}${event.reason ? ` ${event.reason}` : ''}`));
      };
      socket.onerror = () => { /* onclose follows with the details */ };
    });
  }

  send(message: ClientMessage): void {
    if (this.#closed || !this.#socket || this.#socket.readyState !== 1) return;
    this.#socket.send(JSON.stringify(message));
  }

  close(): void {
    this.#shut();
  }

  #shut(): void {
    this.#closed = true;
    const socket = this.#socket;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try { socket.close(1000); } catch { /* already closing */ }
  }
}
