// The Tandem client: negotiates a transport, keeps it alive (heartbeats, reconnection with
// full-jitter backoff, a background WebSocket probe to move back up), and routes the server's
// stream to the open documents. See docs/client.md.
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { TandemDocument, type DocumentLink } from './document.js';
import { Emitter } from './emitter.js';
import { Heartbeat } from './heartbeat.js';
import { IdleCuts } from './idle_cuts.js';
import { DEFAULT_DEADLINES, negotiate, NegotiationFailed, type Deadlines } from './negotiate.js';
import { chooseClientId, defaultOutbox, markPending, MemoryOutbox, sweepOutbox, type Outbox, type OutboxRecord } from './outbox.js';
import { newClientId, type Attempt, type ClientMessage, type Negotiation, type ServerMessage, type TransportName } from './protocol.js';
import { TransportFailure, type Transport, type TransportContext, type TransportFactory } from './transport.js';
import { HttpTransport } from './transports/http.js';
import { WebSocketTransport } from './transports/websocket.js';
import { loadVerdict, saveVerdict, forgetVerdict } from './verdict.js';

export type TransportOption = 'auto' | TransportName;
export type ConnectionState = 'connecting' | 'connected' | 'offline' | 'reconnecting' | 'closed';

export interface ConnectOptions {
  /** Server base URL; defaults to the page's origin. */
  url?: string;
  transport?: TransportOption;
  /**
   * An access token, or a function returning one (maybe a promise), called before every
   * connection attempt: with a function, a token that expires is replaced at the reconnect
   * that follows the server's `unauthorized`, and the client carries on from its versions.
   */
  token?: string | (() => string | Promise<string>);
  /** Shown to others next to this client's cursor. */
  name?: string;
  color?: string;
  deadlines?: Partial<Deadlines>;
  backoff?: Partial<BackoffOptions>;
  /** How long a negotiation verdict is remembered (default 24 h). */
  verdictTtlMs?: number;
  /** First background WebSocket probe after falling back (default 15 s; doubles up to 10 min). */
  probeDelayMs?: number;
  /** `false` keeps unconfirmed ops in memory only. Default: IndexedDB where available. */
  outbox?: Outbox | false;
  /** Transports to use instead of the built-in ones (tests). */
  transportFactory?: TransportFactory;
  /** Listen to the browser's online/offline/visibilitychange events (default true). */
  browserEvents?: boolean;
}

export interface ClientStatus {
  state: ConnectionState;
  transport: TransportName | null;
  /** Why the transport in use was chosen, in words. */
  reason: string;
}

export interface NegotiationRecord {
  at: number;
  transport: TransportName | null;
  attempts: Attempt[];
  ms: number;
  error?: string;
}

export interface Diagnostics {
  clientId: string;
  option: TransportOption;
  status: ClientStatus;
  verdict: TransportName | null;
  reconnects: number;
  negotiations: NegotiationRecord[];
  probes: NegotiationRecord[];
  /** Milliseconds from connect() to the first welcome. */
  firstConnectMs: number | null;
  lastFailure: string | null;
  /** A proxy's idle timeout learned from WebSockets cut after the same silence, if any. */
  idleTimeoutMs: number | null;
  /** The heartbeat interval in use. */
  heartbeatMs: number | null;
}

type Events = { status: ClientStatus };

const ORDER: TransportName[] = ['websocket', 'sse', 'poll'];
const now = (): number => (globalThis.performance?.now?.() ?? Date.now());

export function defaultTransportFactory(name: TransportName, context: TransportContext): Transport {
  return name === 'websocket' ? new WebSocketTransport(context) : new HttpTransport(name, context);
}

export class TandemClient extends Emitter<Events> {
  readonly url: string;
  readonly option: TransportOption;
  clientId = '';
  #options: ConnectOptions;
  #token: string | undefined;  // the token of the next connection attempt
  #deadlines: Deadlines;
  #backoff: BackoffOptions;
  #outbox: Outbox;
  #factory: TransportFactory;
  #docs = new Map<string, TandemDocument>();
  #opening = new Map<string, Promise<TandemDocument>>();
  #transport: Transport | null = null;
  #generation = 0;
  #status: ClientStatus = { state: 'connecting', transport: null, reason: 'starting' };
  #attempt = 0;
  #reconnects = 0;
  #lastTransport: TransportName | null = null;  // the transport of the last connection made
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #connecting = false;
  #closed = false;
  #negotiations: NegotiationRecord[] = [];
  #probes: NegotiationRecord[] = [];
  #probeTimer: ReturnType<typeof setTimeout> | null = null;
  #probeDelay: number;
  #probing: Transport | null = null;
  #startedAt = now();
  #firstConnectMs: number | null = null;
  #lastFailure: string | null = null;
  #idleCuts = new IdleCuts();
  #heartbeatMs: number | null = null;
  #heartbeat = new Heartbeat(
    (id) => { this.#send({ t: 'ping', id }); },
    (ms) => this.#drop(new TransportFailure('silent', `no answer to a ping within ${ms} ms`), 'reconnecting'),
    now,
  );
  #ready: Promise<void>;
  #persistQueue = new Map<string, OutboxRecord>();
  #persistScheduled = false;
  #removeListeners: Array<() => void> = [];
  #adopted = false;
  #swept = false;
  #early = new Map<Transport, ServerMessage[]>();
  #pendingDocs = new Set<string>();

  constructor(options: ConnectOptions = {}) {
    super();
    this.#options = options;
    this.url = (options.url ?? globalThis.location?.origin ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
    this.option = options.transport ?? 'auto';
    this.#deadlines = { ...DEFAULT_DEADLINES, ...options.deadlines };
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#outbox = options.outbox === false ? new MemoryOutbox() : options.outbox ?? defaultOutbox();
    this.#factory = options.transportFactory ?? defaultTransportFactory;
    this.#probeDelay = options.probeDelayMs ?? 15_000;
    this.#ready = chooseClientId(this.#outbox, newClientId).then(({ id, adopted }) => {
      this.clientId = id;
      this.#adopted = adopted;
    });
    if (options.browserEvents !== false) this.#listenToBrowser();
    void this.#ready.then(() => this.#connect());
  }

  get status(): ClientStatus { return { ...this.#status }; }

  /** Resolves once the client id is chosen (documents may be opened before). */
  ready(): Promise<void> { return this.#ready; }

  /**
   * Opens document `id` (or returns the open one) and resolves once it holds the server's state,
   * or the state a previous page left unconfirmed in the outbox.
   */
  openDocument(id: string): Promise<TandemDocument> {
    let opening = this.#opening.get(id);
    if (!opening) {
      opening = (async () => {
        await this.#ready;
        let restored: OutboxRecord | undefined;
        // A new client id has no records: only an adopted one makes this wait for IndexedDB.
        if (this.#adopted) {
          try { restored = await this.#outbox.load(this.clientId, id); } catch { restored = undefined; }
        }
        const doc = new TandemDocument(id, this.#link(), restored);
        this.#docs.set(id, doc);
        if (this.#transport) doc.onConnected(false);
        return doc;
      })();
      this.#opening.set(id, opening);
    }
    return opening.then(async (doc) => { await doc.ready(); return doc; });
  }

  diagnostics(): Diagnostics {
    return {
      clientId: this.clientId,
      option: this.option,
      status: this.status,
      verdict: loadVerdict(this.url),
      reconnects: this.#reconnects,
      negotiations: this.#negotiations.map((n) => ({ ...n, attempts: [...n.attempts] })),
      probes: this.#probes.map((n) => ({ ...n, attempts: [...n.attempts] })),
      firstConnectMs: this.#firstConnectMs,
      lastFailure: this.#lastFailure,
      idleTimeoutMs: this.#idleCuts.learnedMs,
      heartbeatMs: this.#heartbeatMs,
    };
  }

  /** Reconnects at once if not connected (also done on `online` and when the tab shows). */
  reconnectNow(): void {
    if (this.#closed || this.#transport || this.#connecting) return;
    if (this.#retryTimer) { clearTimeout(this.#retryTimer); this.#retryTimer = null; }
    void this.#connect();
  }

  /** Drops the connection as if the network went away (the browser's `offline`). */
  goOffline(): void {
    this.#drop(new TransportFailure('error', 'browser offline'), 'offline');
  }

  /** The page is going away: others should see this client leave now, not after a timeout. */
  leave(): void {
    const transport = this.#transport;
    if (!transport) return;
    const messages = [...this.#docs.values()].map((d) => d.leaveMessage());
    this.#transport = null;
    this.#generation++;
    if (transport.closeForUnload) transport.closeForUnload(messages);
    else transport.close();
    this.close();
  }

  close(): void {
    this.#closed = true;
    for (const remove of this.#removeListeners) remove();
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    if (this.#probeTimer) clearTimeout(this.#probeTimer);
    this.#probing?.close();
    this.#heartbeat.stop();
    this.#transport?.close();
    this.#transport = null;
    this.#setStatus('closed', null, 'closed');
  }

  // ---- connection ----

  #order(): TransportName[] {
    if (this.option !== 'auto') return [this.option];
    const verdict = loadVerdict(this.url);
    return verdict ? ORDER.slice(ORDER.indexOf(verdict)) : ORDER;
  }

  // A transport's context. Messages that arrive after its welcome but before it is attached
  // (an SSE stream delivers the snapshot right behind the welcome) wait in `early`.
  #create(name: TransportName, generation: number): Transport {
    const early: ServerMessage[] = [];
    const context: TransportContext = {
      url: this.url,
      clientId: this.clientId,
      token: this.#token,
      subscriptions: () => [...this.#docs.values()].map((d) => d.subscription()),
      onMessage: (message) => {
        if (generation === this.#generation && this.#transport === transport) this.#onMessage(message);
        else if (generation > this.#generation) early.push(message);
      },
      onClose: (failure) => { if (generation === this.#generation && this.#transport === transport) this.#drop(failure, 'reconnecting'); },
    };
    const transport = this.#factory(name, context);
    this.#early.set(transport, early);
    return transport;
  }

  #hello(report: Negotiation): ClientMessage {
    // The server refuses a report over 4096 bytes (docs/protocol.md §3): keep it well inside.
    const attempts = report.attempts.slice(-8).map((a) => (a.detail && a.detail.length > 160 ? { ...a, detail: a.detail.slice(0, 160) } : a));
    // Lets the server count fallbacks and moves back up (GET /metrics, docs/metrics.md).
    const previous = this.#lastTransport && this.#lastTransport !== report.transport ? { previous: this.#lastTransport } : {};
    return { t: 'hello', client: this.clientId, ...(this.#token ? { token: this.#token } : {}), negotiation: { ...report, attempts, ...previous } };
  }

  // A token function is asked again for each attempt, so an expired token is never reused.
  async #refreshToken(): Promise<void> {
    const token = this.#options.token;
    this.#token = typeof token === 'function' ? await token() : token;
  }

  async #connect(): Promise<void> {
    if (this.#closed || this.#connecting || this.#transport) return;
    this.#connecting = true;
    if (this.#status.state !== 'offline') {
      this.#setStatus(this.#reconnects > 0 || this.#attempt > 0 ? 'reconnecting' : 'connecting', null, 'negotiating');
    }
    const order = this.#order();
    const started = now();
    // Each transport created here belongs to the generation it will have if it wins.
    const generation = this.#generation + 1;
    try {
      await this.#refreshToken();
      const result = await negotiate(order, (name) => this.#create(name, generation),
        (report) => this.#hello(report), this.#deadlines, this.#reconnects);
      this.#connecting = false;
      if (this.#closed) { result.transport.close(); return; }
      this.#negotiations.push({ at: Date.now(), transport: result.transport.name, attempts: result.attempts, ms: Math.round(now() - started) });
      this.#trimHistory();
      this.#attach(result.transport, result.welcome.heartbeat_ms, generation, false, result.attempts);
    } catch (error) {
      this.#connecting = false;
      this.#early.clear();
      const failed = error instanceof NegotiationFailed ? error : new NegotiationFailed([]);
      this.#negotiations.push({ at: Date.now(), transport: null, attempts: failed.attempts, ms: Math.round(now() - started), error: failed.message });
      this.#trimHistory();
      this.#lastFailure = failed.message;
      // The remembered transport failed: next time try everything again.
      if (this.option === 'auto') forgetVerdict(this.url);
      if (this.#closed) return;
      if (failed.fatal) {
        this.#setStatus('offline', null, `refused: ${failed.message}`);
        return;
      }
      if (this.#status.state !== 'offline') this.#setStatus('reconnecting', null, failed.message);
      this.#scheduleReconnect(failed.retryAfterMs);
    }
  }

  #attach(transport: Transport, heartbeatMs: number, generation: number, seamless: boolean, attempts: Attempt[]): void {
    const old = this.#transport;
    this.#generation = generation;
    this.#transport = transport;
    this.#lastTransport = transport.name;
    if (old) old.close();
    if (this.#firstConnectMs === null) this.#firstConnectMs = Math.round(now() - this.#startedAt);
    if (!seamless && (this.#attempt > 0 || this.#negotiations.length > 1)) this.#reconnects++;
    // A new connection may be on a new network: probe WebSocket soon again.
    if (!seamless) this.#probeDelay = this.#options.probeDelayMs ?? 15_000;
    this.#attempt = 0;
    if (this.option === 'auto') saveVerdict(this.url, transport.name, this.#options.verdictTtlMs ?? 86_400_000);
    this.#setStatus('connected', transport.name, describe(transport.name, attempts, this.option));
    this.#heartbeatMs = this.#idleCuts.heartbeatMs(heartbeatMs);
    this.#heartbeat.start(this.#heartbeatMs);
    for (const doc of this.#docs.values()) doc.onConnected(seamless);
    const early = this.#early.get(transport) ?? [];
    this.#early.clear();
    for (const message of early) this.#onMessage(message);
    if (this.option === 'auto' && transport.name !== 'websocket') this.#scheduleProbe();
    if (!this.#swept) {
      // Housekeeping off the critical path: records of closed pages with nothing to resend.
      this.#swept = true;
      setTimeout(() => { void sweepOutbox(this.#outbox, this.clientId).catch(() => {}); }, 2000);
    }
  }

  #drop(failure: TransportFailure, state: 'reconnecting' | 'offline'): void {
    this.#lastFailure = `${this.#transport?.name ?? 'transport'}: ${failure.message}`;
    const transport = this.#transport;
    // A WebSocket closed under us after a silence: maybe a proxy's read timeout (idle_cuts.ts).
    if (transport?.name === 'websocket' && failure.outcome !== 'silent') this.#idleCuts.cut(this.#heartbeat.idleMs());
    this.#transport = null;
    this.#generation++;
    transport?.close();
    this.#heartbeat.stop();
    for (const doc of this.#docs.values()) doc.onDisconnected();
    if (this.#closed) return;
    const offline = state === 'offline' || globalThis.navigator?.onLine === false;
    this.#setStatus(offline ? 'offline' : 'reconnecting', null, failure.message);
    this.#scheduleReconnect(failure.retryAfterMs);
  }

  #scheduleReconnect(retryAfterMs?: number): void {
    if (this.#closed || this.#retryTimer) return;
    const delay = backoffDelay(this.#attempt++, this.#backoff, Math.random, retryAfterMs);
    this.#retryTimer = setTimeout(() => { this.#retryTimer = null; void this.#connect(); }, delay);
  }

  // ---- the background WebSocket probe: move back up when WebSocket works again ----

  #scheduleProbe(): void {
    if (this.#probeTimer || this.#closed) return;
    this.#probeTimer = setTimeout(() => { this.#probeTimer = null; void this.#probe(); }, this.#probeDelay);
    this.#probeDelay = Math.min(this.#probeDelay * 2, 600_000);
  }

  async #probe(): Promise<void> {
    if (this.#closed || !this.#transport || this.#transport.name === 'websocket') return;
    const generation = this.#generation + 1;
    const started = now();
    try {
      await this.#refreshToken();
      const result = await negotiate(['websocket'], (name) => {
        this.#probing = this.#create(name, generation);
        return this.#probing;
      }, (report) => this.#hello({ ...report, attempts: [...report.attempts], reconnects: this.#reconnects }),
      this.#deadlines, this.#reconnects);
      this.#probing = null;
      this.#probes.push({ at: Date.now(), transport: 'websocket', attempts: result.attempts, ms: Math.round(now() - started) });
      if (this.#closed || !this.#transport || this.#generation !== generation - 1) { result.transport.close(); return; }
      // Seamless: subscribe from the versions held and resend the op in flight on the new
      // transport; versions make anything the old one still delivers a harmless duplicate.
      this.#attach(result.transport, result.welcome.heartbeat_ms, generation, true, result.attempts);
    } catch (error) {
      this.#probing = null;
      this.#early.clear();
      const failed = error instanceof NegotiationFailed ? error : new NegotiationFailed([]);
      this.#probes.push({ at: Date.now(), transport: null, attempts: failed.attempts, ms: Math.round(now() - started), error: failed.message });
      this.#trimHistory();
      if ((this.#transport as Transport | null)?.name !== 'websocket') this.#scheduleProbe();
    }
  }

  #send(message: ClientMessage): boolean {
    if (!this.#transport) return false;
    this.#transport.send(message);
    this.#heartbeat.sent();
    return true;
  }

  #onMessage(message: ServerMessage): void {
    this.#heartbeat.received();
    if ('doc' in message && message.doc !== undefined) {
      this.#docs.get(message.doc)?.onMessage(message);
    }
  }

  #link(): DocumentLink {
    return {
      clientId: this.clientId,
      send: (message) => this.#send(message),
      persist: (record) => this.#persist(record),
      identity: () => ({ name: this.#options.name, color: this.#options.color }),
      close: (doc) => {
        if (this.#docs.get(doc.id) !== doc) return;
        this.#docs.delete(doc.id);
        this.#opening.delete(doc.id);
        this.#send({ t: 'unsub', doc: doc.id });
      },
    };
  }

  // Outbox writes are coalesced per document: the latest state wins, one write per turn.
  #persist(record: OutboxRecord): void {
    this.#persistQueue.set(record.doc, record);
    if (this.#persistScheduled) return;
    this.#persistScheduled = true;
    queueMicrotask(() => {
      this.#persistScheduled = false;
      const records = [...this.#persistQueue.values()];
      this.#persistQueue.clear();
      for (const r of records) {
        if (r.inflight || r.buffer) this.#pendingDocs.add(r.doc);
        else this.#pendingDocs.delete(r.doc);
        void this.#outbox.save(r).catch(() => {});
      }
      markPending(this.clientId, this.#pendingDocs.size > 0);
    });
  }

  #setStatus(state: ConnectionState, transport: TransportName | null, reason: string): void {
    this.#status = { state, transport, reason };
    this.emit('status', this.status);
  }

  #trimHistory(): void {
    if (this.#negotiations.length > 50) this.#negotiations.splice(0, this.#negotiations.length - 50);
    if (this.#probes.length > 50) this.#probes.splice(0, this.#probes.length - 50);
  }

  #listenToBrowser(): void {
    const target = globalThis as unknown as { addEventListener?: typeof addEventListener; removeEventListener?: typeof removeEventListener };
    if (typeof target.addEventListener !== 'function') return;
    const online = (): void => { this.#attempt = 0; this.reconnectNow(); };
    const offline = (): void => { if (this.#transport) this.goOffline(); else this.#setStatus('offline', null, 'browser offline'); };
    const visible = (): void => { if (globalThis.document?.visibilityState === 'visible') this.reconnectNow(); };
    const pagehide = (event: Event): void => { if (!(event as PageTransitionEvent).persisted) this.leave(); };
    target.addEventListener('pagehide', pagehide);
    target.addEventListener('online', online);
    target.addEventListener('offline', offline);
    globalThis.document?.addEventListener('visibilitychange', visible);
    this.#removeListeners.push(() => {
      target.removeEventListener?.('pagehide', pagehide);
      target.removeEventListener?.('online', online);
      target.removeEventListener?.('offline', offline);
      globalThis.document?.removeEventListener('visibilitychange', visible);
    });
  }
}

function describe(transport: TransportName, attempts: Attempt[], option: TransportOption): string {
  if (option !== 'auto') return `${transport} (forced)`;
  const failed = attempts.filter((a) => a.outcome !== 'ok');
  if (failed.length === 0) return transport === 'websocket' ? 'websocket works' : `${transport} (remembered verdict)`;
  return `${transport}: ${failed.map((a) => `${a.transport} ${a.outcome}${a.detail ? ` (${a.detail})` : ''}`).join(', ')}`;
}

/** Connects to a Tandem server (see ConnectOptions). */
export function connect(options: ConnectOptions = {}): TandemClient {
  return new TandemClient(options);
}
