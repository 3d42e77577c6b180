// The HTTP fallbacks: a POST /v1/send uplink (everything queued in one request) and a downlink
// that is either an SSE stream (GET /v1/sse) or a long-poll loop (GET /v1/poll). The downlink URL
// names the subscriptions with the versions held, so any restart resumes without loss.
import type { ClientMessage, ServerMessage, Welcome } from '../protocol.js';
import { parseRetryAfter, TransportFailure, type Transport, type TransportContext } from '../transport.js';

interface SendResult { ok: boolean; reply?: ServerMessage; code?: string; message?: string; v?: number; retry_ms?: number }

// A poll is held up to poll-hold (25 s by default); past this it is taken as cut off.
const POLL_TIMEOUT_MS = 60_000;

export class HttpTransport implements Transport {
  #closed = false;
  #queue: ClientMessage[] = [];
  #posting = false;
  #downlink: AbortController | null = null;
  #generation = 0;
  #lastEventId: string | null = null;
  #heartbeatMs = 20_000;

  constructor(readonly name: 'sse' | 'poll', private readonly context: TransportContext) {}

  #base(): string { return this.context.url.replace(/\/$/, ''); }

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { 'X-Tandem-Client': this.context.clientId, ...extra };
    if (this.context.token) headers.Authorization = `Bearer ${this.context.token}`;
    return headers;
  }

  async open(hello: ClientMessage, deadlineMs: number): Promise<Welcome> {
    const started = Date.now();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), deadlineMs);
    let welcome: Welcome;
    try {
      const results = await this.#post([hello], abort.signal);
      const first = results[0];
      if (!first?.ok || first.reply?.t !== 'welcome') {
        throw new TransportFailure('refused', `hello: ${first?.code ?? 'no answer'} ${first?.message ?? ''}`.trim(),
          undefined, first?.code === 'unauthorized' || first?.code === 'bad_client_id');
      }
      welcome = first.reply;
      this.#heartbeatMs = welcome.heartbeat_ms;
    } catch (error) {
      clearTimeout(timer);
      this.#closed = true;
      if (error instanceof TransportFailure) throw error;
      throw abort.signal.aborted
        ? new TransportFailure('hung', `POST /v1/send unanswered within ${deadlineMs} ms`)
        : new TransportFailure('refused', `POST /v1/send failed: ${String(error)}`);
    }
    clearTimeout(timer);
    if (this.name === 'poll') {
      this.#startDownlink();
      return welcome;
    }
    // SSE: the stream opens with padding and a welcome event; if that does not come through
    // before the deadline, something in between buffers the stream.
    const remaining = Math.max(1, deadlineMs - (Date.now() - started));
    await this.#startSse(remaining);
    return welcome;
  }

  send(message: ClientMessage): void {
    if (this.#closed) return;
    if (message.t === 'sub' || message.t === 'unsub') {
      // Over HTTP the downlink URL names the subscriptions: restart it with the new list, unless
      // the request running already asks for exactly that.
      if (this.#query() !== this.#runningQuery) this.#restartDownlink();
      return;
    }
    this.#queue.push(message);
    if (!this.#posting) queueMicrotask(() => { void this.#flush(); });
  }

  close(): void {
    this.#closed = true;
    this.#generation++;
    this.#downlink?.abort();
  }

  // keepalive lets the request finish after the page is gone; a WebSocket just closes.
  closeForUnload(messages: ClientMessage[]): void {
    const batch = [...this.#queue.splice(0), ...messages];
    this.close();
    if (batch.length === 0) return;
    void fetch(`${this.#base()}/v1/send`, {
      method: 'POST', keepalive: true, body: JSON.stringify(batch),
      headers: this.#headers({ 'Content-Type': 'application/json' }),
    }).catch(() => {});
  }

  #fail(failure: TransportFailure): void {
    if (this.#closed) return;
    this.close();
    this.context.onClose(failure);
  }

  async #flush(): Promise<void> {
    if (this.#posting) return;
    this.#posting = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const batch = this.#queue.splice(0, 256);
        let results: SendResult[];
        try {
          results = await this.#post(batch);
        } catch (error) {
          this.#fail(error instanceof TransportFailure ? error : new TransportFailure('error', `POST failed: ${String(error)}`));
          return;
        }
        batch.forEach((message, i) => this.#onResult(message, results[i]));
      }
    } finally {
      this.#posting = false;
    }
  }

  // Replies (pong) and refusals go to the client like messages from a stream; an op's success
  // is ignored here because its confirmation arrives in order on the downlink.
  #onResult(message: ClientMessage, result: SendResult | undefined): void {
    if (this.#closed || !result) return;
    if (result.ok) {
      if (result.reply) this.context.onMessage(result.reply);
      return;
    }
    const error: ServerMessage = { t: 'error', code: result.code ?? 'internal', message: result.message ?? '' };
    if ('doc' in message) error.doc = message.doc;
    if (message.t === 'op') error.seq = message.seq;
    if (typeof result.retry_ms === 'number') error.retry_ms = result.retry_ms;
    this.context.onMessage(error);
  }

  async #post(messages: ClientMessage[], signal?: AbortSignal): Promise<SendResult[]> {
    const response = await fetch(`${this.#base()}/v1/send`, {
      method: 'POST',
      headers: this.#headers({ 'Content-Type': 'application/json' }),
      body: JSON.stringify(messages),
      signal,
    });
    if (response.status !== 200) throw await failureFrom(response, 'POST /v1/send');
    const body = await response.json() as { results: SendResult[] };
    return body.results;
  }

  #runningQuery = '';

  #query(): string {
    const params = new URLSearchParams({ client: this.context.clientId });
    for (const sub of this.context.subscriptions()) params.append('sub', sub.v === undefined ? sub.doc : `${sub.doc}@${sub.v}`);
    return params.toString();
  }

  #downlinkUrl(path: string): string {
    this.#runningQuery = this.#query();
    return `${this.#base()}${path}?${this.#runningQuery}`;
  }

  #restartDownlink(): void {
    this.#generation++;
    this.#downlink?.abort();
    this.#lastEventId = null;  // the URL carries the versions held now
    this.#startDownlink();
  }

  #startDownlink(): void {
    if (this.#closed) return;
    if (this.name === 'poll') void this.#pollLoop(this.#generation);
    else {
      const generation = this.#generation;
      this.#startSse(Math.max(this.#heartbeatMs, 10_000)).catch((failure: TransportFailure) => {
        if (generation === this.#generation) this.#fail(failure);
      });
    }
  }

  async #pollLoop(generation: number): Promise<void> {
    while (!this.#closed && generation === this.#generation) {
      const abort = new AbortController();
      this.#downlink = abort;
      const timer = setTimeout(() => abort.abort(), POLL_TIMEOUT_MS);
      try {
        const response = await fetch(this.#downlinkUrl('/v1/poll'), { headers: this.#headers(), signal: abort.signal });
        if (response.status !== 200) throw await failureFrom(response, 'GET /v1/poll');
        const messages = await response.json() as ServerMessage[];
        if (generation !== this.#generation || this.#closed) return;
        for (const message of messages) this.context.onMessage(message);
      } catch (error) {
        if (generation !== this.#generation || this.#closed) return;
        this.#fail(error instanceof TransportFailure ? error
          : new TransportFailure(abort.signal.aborted ? 'timeout' : 'error', `GET /v1/poll: ${String(error)}`));
        return;
      } finally {
        clearTimeout(timer);
      }
    }
  }

  // Opens the stream and resolves at its first event; later events flow to the client.
  #startSse(firstEventDeadlineMs: number): Promise<void> {
    const generation = this.#generation;
    const abort = new AbortController();
    this.#downlink = abort;
    return new Promise<void>((resolve, reject) => {
      let first = true;
      let headers = false;
      const firstTimer = setTimeout(() => {
        abort.abort();
        reject(headers
          ? new TransportFailure('buffered', `no event within ${firstEventDeadlineMs} ms`)
          : new TransportFailure('hung', `GET /v1/sse unanswered within ${firstEventDeadlineMs} ms`));
      }, firstEventDeadlineMs);
      const live = (): boolean => generation === this.#generation && !this.#closed;
      // A stream silent for two heartbeats (no event, no comment) is dead or held back.
      let idle: ReturnType<typeof setTimeout> | undefined;
      const touch = (): void => {
        clearTimeout(idle);
        idle = setTimeout(() => abort.abort(), Math.max(this.#heartbeatMs * 2, 30_000));
      };
      const run = async (): Promise<void> => {
        const extra: Record<string, string> = { Accept: 'text/event-stream' };
        if (this.#lastEventId) extra['Last-Event-ID'] = this.#lastEventId;
        const response = await fetch(this.#downlinkUrl('/v1/sse'), { headers: this.#headers(extra), signal: abort.signal, cache: 'no-store' });
        if (response.status !== 200 || !response.body) throw await failureFrom(response, 'GET /v1/sse');
        headers = true;
        touch();
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          touch();
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
            let data: string | null = null;
            for (const line of block.split(/\r?\n/)) {
              if (line.startsWith('id:')) this.#lastEventId = line.slice(3).trim();
              else if (line.startsWith('data:')) data = (data === null ? '' : data + '\n') + line.slice(5).replace(/^ /, '');
            }
            if (data === null || !live()) continue;
            let message: ServerMessage;
            try { message = JSON.parse(data) as ServerMessage; } catch { continue; }
            if (first) {
              first = false;
              clearTimeout(firstTimer);
              resolve();
            }
            if (message.t !== 'welcome') this.context.onMessage(message);
          }
        }
        throw new TransportFailure('error', 'SSE stream ended');
      };
      run().catch((error: unknown) => {
        clearTimeout(idle);
        clearTimeout(firstTimer);
        if (!live()) {
          if (first) reject(new TransportFailure('error', 'downlink replaced or closed'));
          return;
        }
        if (first) {
          reject(error instanceof TransportFailure ? error
            : new TransportFailure(abort.signal.aborted && headers ? 'buffered' : 'error', `GET /v1/sse: ${String(error)}`));
          return;
        }
        // The server ends streams after sse-max-lifetime: reopen from the versions held.
        if (error instanceof TransportFailure && error.detail === 'SSE stream ended') {
          this.#startDownlink();
          return;
        }
        this.#fail(error instanceof TransportFailure ? error : new TransportFailure('error', `GET /v1/sse: ${String(error)}`));
      });
    });
  }
}

async function failureFrom(response: Response, what: string): Promise<TransportFailure> {
  let code = `HTTP ${response.status}`;
  try {
    const body = await response.json() as { error?: { code?: string } };
    if (body.error?.code) code += ` ${body.error.code}`;
  } catch { /* not JSON */ }
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  const outcome = response.status === 403 && code.includes('origin') ? 'origin' : 'refused';
  return new TransportFailure(outcome, `${what}: ${code}`, retryAfter, response.status === 401);
}
