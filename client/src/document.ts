// One document as this client sees it: the OT client state machine of docs/protocol.md §6-§8.
// Confirmed text and version follow the server's stream; at most one op is in flight and
// everything typed meanwhile is composed into one buffered op that gets a new seq when sent.
import { Emitter } from './emitter.js';
import { apply, compose, normalize, transform, transformPosition, type TextOp } from './ot.js';
import type { OutboxRecord } from './outbox.js';
import type { ClientMessage, Selection, ServerMessage } from './protocol.js';
import { diffOp } from './unicode.js';

export interface Peer {
  client: string;
  name?: string;
  color?: string;
  /** Selections [anchor, head] in code points of the local text. */
  sel: Selection[];
}

export interface ChangeEvent {
  /** The op applied to the local text, in code points. */
  op: TextOp;
  /** The text before it. */
  before: string;
  remote: boolean;
}

export interface DocumentStatus {
  /** Everything typed is confirmed (durable on the server). */
  saved: boolean;
  /** Ops not confirmed yet (in flight + buffered). */
  pending: number;
  /** The document has reached the server's state at least once (or was restored). */
  ready: boolean;
}

export interface DocumentError { code: string; message: string; pendingText?: string }

type Events = {
  change: ChangeEvent;
  presence: Peer[];
  status: DocumentStatus;
  error: DocumentError;
};

/** What a document needs from its client. */
export interface DocumentLink {
  readonly clientId: string;
  /** Sends when connected; returns false when the message could not go out. */
  send(message: ClientMessage): boolean;
  persist(record: OutboxRecord): void;
  identity(): { name?: string; color?: string };
  close(doc: TandemDocument): void;
}

const RETRY_CODES = new Set(['rate_limited', 'overloaded', 'too_many_new_docs', 'internal']);
const RETRY_DELAY_MS = 1000;
/** A server hint longer than this is taken as a bug or a hostile middlebox: wait this long. */
const MAX_RETRY_DELAY_MS = 60_000;
const PRESENCE_INTERVAL_MS = 50;

/** How long to wait before resending after a retryable refusal: the server's hint if sane. */
function retryDelay(hintMs: number | undefined): number {
  const hint = typeof hintMs === 'number' && Number.isFinite(hintMs) && hintMs >= 0 ? hintMs : RETRY_DELAY_MS;
  return Math.min(MAX_RETRY_DELAY_MS, Math.max(hint, 10));
}

export class TandemDocument extends Emitter<Events> {
  #text = '';
  #confirmedText = '';
  #version: number | null = null;
  #inflight: { seq: number; op: TextOp } | null = null;
  #buffer: TextOp | null = null;
  #nextSeq = 1;
  #peers = new Map<string, { name?: string; color?: string; sel: Selection[] }>();
  #selection: Selection[] | null = null;
  #presenceDirty = false;
  #presenceTimer: ReturnType<typeof setTimeout> | null = null;
  #lastPresenceAt = 0;
  #connected = false;
  #readOnly = false;
  #ready = false;
  #readyWaiters: Array<() => void> = [];
  #retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(readonly id: string, private readonly link: DocumentLink, restored?: OutboxRecord) {
    super();
    if (restored && restored.version !== null) {
      this.#version = restored.version;
      this.#confirmedText = restored.confirmedText;
      this.#nextSeq = restored.nextSeq;
      this.#inflight = restored.inflight ? { seq: restored.inflight.seq, op: restored.inflight.op } : null;
      this.#buffer = restored.buffer;
      let text = this.#confirmedText;
      if (this.#inflight) text = apply(text, this.#inflight.op);
      if (this.#buffer) text = apply(text, this.#buffer);
      this.#text = text;
      this.#ready = true;
      this.#persistedPending = !this.saved;
    } else if (restored) {
      this.#nextSeq = restored.nextSeq;
    }
  }

  /** The local text: confirmed text plus everything pending. */
  get text(): string { return this.#text; }
  /** The last version the server confirmed, or null before the first snapshot. */
  get version(): number | null { return this.#version; }
  get saved(): boolean { return !this.#inflight && !this.#buffer; }
  get readOnly(): boolean { return this.#readOnly; }
  get status(): DocumentStatus {
    return { saved: this.saved, pending: (this.#inflight ? 1 : 0) + (this.#buffer ? 1 : 0), ready: this.#ready };
  }

  /** Resolves once the document holds the server's state (or a restored one). */
  ready(): Promise<void> {
    if (this.#ready) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Applies a local edit (code points, against `text`) and sends it when nothing is in flight. */
  submit(op: TextOp): void {
    op = normalize(op);
    if (op.length === 0) return;
    if (this.#readOnly) throw new Error(`document ${this.id} is read-only`);
    if (this.#version === null) throw new Error(`document ${this.id} is not loaded yet (await ready())`);
    const before = this.#text;
    this.#text = apply(this.#text, op);
    // Keep peers' cursors where they were in the text around this edit.
    if (this.#inflight) {
      this.#buffer = this.#buffer ? compose(this.#buffer, op) : op;
    } else {
      this.#inflight = { seq: this.#nextSeq++, op };
      this.#sendInflight();
    }
    if (this.#selection) this.#selection = this.#selection.map(([a, h]) => [transformPosition(a, op), transformPosition(h, op)]);
    this.#persist();
    this.emit('change', { op, before, remote: false });
    this.emit('status', this.status);
    if (this.#peers.size > 0) this.emit('presence', this.peers());
  }

  /** Sets this client's selections (code points of `text`); sent throttled, once synced. */
  setSelection(sel: Selection[]): void {
    this.#selection = sel.map(([a, h]) => [a, h]);
    this.#presenceDirty = true;
    this.#schedulePresence();
  }

  /** Other clients here, with selections in code points of the local text. */
  peers(): Peer[] {
    const peers: Peer[] = [];
    for (const [client, peer] of this.#peers) {
      let sel = peer.sel;
      for (const op of [this.#inflight?.op, this.#buffer]) {
        if (op) sel = sel.map(([a, h]) => [transformPosition(a, op), transformPosition(h, op)]);
      }
      peers.push({ client, name: peer.name, color: peer.color, sel });
    }
    return peers;
  }

  close(): void {
    if (this.#presenceTimer) clearTimeout(this.#presenceTimer);
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.link.close(this);
  }

  // ---- called by the client ----

  /** A transport is up: subscribe from the version held and resend the op in flight. */
  onConnected(keepPeers: boolean): void {
    this.#connected = true;
    if (!keepPeers && this.#peers.size > 0) {
      this.#peers.clear();
      this.emit('presence', []);
    }
    this.#subscribe(this.#version ?? undefined);
    this.#sendInflight();
    if (this.#selection) { this.#presenceDirty = true; this.#schedulePresence(); }
  }

  /** The message that makes others see this client leave now (the page is going away). */
  leaveMessage(): ClientMessage {
    return { t: 'unsub', doc: this.id };
  }

  onDisconnected(): void {
    this.#connected = false;
  }

  subscription(): { doc: string; v?: number } {
    return this.#version === null ? { doc: this.id } : { doc: this.id, v: this.#version };
  }

  onMessage(message: ServerMessage): void {
    switch (message.t) {
      case 'snapshot': return this.#onSnapshot(message.v, message.text);
      case 'op': return this.#onOp(message.v, message.op, message.client, message.seq);
      case 'ack': return this.#onAck(message.v, message.seq);
      case 'presence': return this.#onPresence(message);
      case 'error': return this.#onError(message);
      default: return undefined;
    }
  }

  // ---- the state machine ----

  #subscribe(v: number | undefined): void {
    this.link.send(v === undefined ? { t: 'sub', doc: this.id } : { t: 'sub', doc: this.id, v });
  }

  #sendInflight(): void {
    if (!this.#inflight || this.#version === null || !this.#connected) return;
    this.link.send({ t: 'op', doc: this.id, v: this.#version, seq: this.#inflight.seq, op: this.#inflight.op });
  }

  #onSnapshot(v: number, snapshotText: string): void {
    const before = this.#text;
    let pending: TextOp | null = null;
    if (this.#inflight) pending = this.#inflight.op;
    if (this.#buffer) pending = pending ? compose(pending, this.#buffer) : this.#buffer;
    let text = snapshotText;
    if (pending && this.#version !== null) {
      // Resync (§7): move what is pending over the changes between our confirmed text and the
      // snapshot, and send it as one fresh op (new seq).
      const remote = diffOp(this.#confirmedText, snapshotText);
      pending = transform(pending, remote, 'left');
      text = apply(snapshotText, pending);
    }
    this.#version = v;
    this.#confirmedText = snapshotText;
    this.#inflight = null;
    this.#buffer = null;
    this.#text = text;
    if (pending && pending.length > 0) {
      this.#inflight = { seq: this.#nextSeq++, op: pending };
      this.#sendInflight();
    }
    this.#persist();
    const op = diffOp(before, text);
    if (op.length > 0) this.emit('change', { op, before, remote: true });
    this.#markReady();
    this.emit('status', this.status);
    if (this.#selection) { this.#presenceDirty = true; this.#schedulePresence(); }
  }

  #onOp(v: number, op: TextOp, client: string, seq: number): void {
    if (this.#version === null || v < this.#version) return;  // before our snapshot, or a duplicate
    if (v > this.#version) return this.#subscribe(this.#version);  // a gap: ask again
    if (client === this.link.clientId && this.#inflight && seq === this.#inflight.seq) return this.#confirm(v);
    this.#confirmedText = apply(this.#confirmedText, op);
    this.#version = v + 1;
    for (const peer of this.#peers.values()) peer.sel = peer.sel.map(([a, h]) => [transformPosition(a, op), transformPosition(h, op)]);
    let remote = op;
    if (this.#inflight) {
      const inflight = transform(this.#inflight.op, remote, 'left');
      remote = transform(remote, this.#inflight.op, 'right');
      this.#inflight = { seq: this.#inflight.seq, op: inflight };
    }
    if (this.#buffer) {
      const buffer = transform(this.#buffer, remote, 'left');
      remote = transform(remote, this.#buffer, 'right');
      this.#buffer = buffer;
    }
    const before = this.#text;
    this.#text = apply(this.#text, remote);
    if (this.#selection) this.#selection = this.#selection.map(([a, h]) => [transformPosition(a, remote), transformPosition(h, remote)]);
    this.#persist();
    if (remote.length > 0) this.emit('change', { op: remote, before, remote: true });
    if (this.#peers.size > 0) this.emit('presence', this.peers());
  }

  #onAck(v: number, seq: number): void {
    if (!this.#inflight || seq !== this.#inflight.seq || this.#version === null) return;
    if (v > this.#version) return this.#subscribe(this.#version);
    if (v === this.#version) this.#confirm(v);
  }

  #confirm(v: number): void {
    const inflight = this.#inflight!;
    this.#confirmedText = apply(this.#confirmedText, inflight.op);
    this.#version = v + 1;
    this.#inflight = null;
    if (this.#buffer) {
      // Typed while waiting: goes out now, under a new seq.
      this.#inflight = { seq: this.#nextSeq++, op: this.#buffer };
      this.#buffer = null;
      this.#sendInflight();
    }
    this.#persist();
    this.emit('status', this.status);
    if (this.saved && this.#presenceDirty) this.#schedulePresence();
  }

  #onPresence(message: Extract<ServerMessage, { t: 'presence' }>): void {
    if (message.client === this.link.clientId) return;
    if (message.gone) {
      if (!this.#peers.delete(message.client)) return;
    } else {
      this.#peers.set(message.client, { name: message.name, color: message.color, sel: message.sel ?? [] });
    }
    this.emit('presence', this.peers());
  }

  #onError(error: Extract<ServerMessage, { t: 'error' }>): void {
    const forInflight = error.seq !== undefined && this.#inflight?.seq === error.seq;
    if (error.seq !== undefined && !forInflight) return;  // answers an op already settled
    switch (error.code) {
      case 'not_subscribed':
        if (forInflight) { this.#subscribe(this.#version ?? undefined); this.#sendInflight(); }
        return;
      case 'resync_required':
      case 'version_ahead':
        // For a sub the snapshot follows by itself; for a submit, ask for one (§7).
        if (forInflight) this.#subscribe(undefined);
        return;
      case 'read_only':
        this.#readOnly = true;
        this.emit('error', { code: error.code, message: error.message, pendingText: this.#text });
        return;
      case 'too_many_new_docs':
        // Without a seq it refused the subscription: ask again after the hint.
        if (!forInflight) {
          if (this.#retryTimer) clearTimeout(this.#retryTimer);
          this.#retryTimer = setTimeout(() => {
            this.#retryTimer = null;
            if (this.#connected) this.#subscribe(this.#version ?? undefined);
          }, retryDelay(error.retry_ms));
          return;
        }
        break;
      case 'forbidden':
      case 'bad_doc_id':
        this.emit('error', { code: error.code, message: error.message });
        return;
      default:
        break;
    }
    if (!forInflight) return;
    if (RETRY_CODES.has(error.code) || !KNOWN_PERMANENT.has(error.code)) {
      // Safe to resend as is: the same seq is never applied twice.
      // The op stays in flight (and in the outbox); it goes again after the server's hint.
      if (this.#retryTimer) clearTimeout(this.#retryTimer);
      this.#retryTimer = setTimeout(() => { this.#retryTimer = null; this.#sendInflight(); },
        retryDelay(error.retry_ms));
      return;
    }
    // The op can never apply as it is: keep the text, recover from a snapshot (§6 refusals).
    this.emit('error', { code: error.code, message: error.message, pendingText: this.#text });
    if (error.code === 'doc_too_large') {
      this.#inflight = null;
      this.#buffer = null;
    }
    this.#subscribe(undefined);
  }

  #schedulePresence(): void {
    if (this.#presenceTimer || !this.#connected) return;
    const wait = Math.max(0, this.#lastPresenceAt + PRESENCE_INTERVAL_MS - Date.now());
    this.#presenceTimer = setTimeout(() => {
      this.#presenceTimer = null;
      // Selections must refer to a confirmed version (§8): wait for acks.
      if (!this.#presenceDirty || !this.#selection || !this.saved || this.#version === null) return;
      this.#presenceDirty = false;
      this.#lastPresenceAt = Date.now();
      const { name, color } = this.link.identity();
      const message: ClientMessage = {
        t: 'presence', doc: this.id, v: this.#version, sel: this.#selection.slice(0, 32),
        ...(name ? { name } : {}), ...(color ? { color } : {}),
      };
      if (!this.link.send(message)) this.#presenceDirty = true;
    }, wait);
  }

  #markReady(): void {
    if (this.#ready) return;
    this.#ready = true;
    for (const resolve of this.#readyWaiters.splice(0)) resolve();
  }

  // Written while something is unconfirmed, and once more when it all is (for the next seq);
  // remote ops on a saved document are not worth a write.
  #persistedPending = false;

  #persist(): void {
    if (this.saved && !this.#persistedPending) return;
    this.#persistedPending = !this.saved;
    this.link.persist({
      clientId: this.link.clientId,
      doc: this.id,
      version: this.#version,
      confirmedText: this.#confirmedText,
      inflight: this.#inflight && this.#version !== null ? { ...this.#inflight, base: this.#version } : null,
      buffer: this.#buffer,
      nextSeq: this.#nextSeq,
      updatedAt: Date.now(),
    });
  }
}

const KNOWN_PERMANENT = new Set([
  'bad_json', 'bad_message', 'too_deep', 'bad_op', 'bad_component', 'bad_number', 'empty_component',
  'adjacent_skips', 'trailing_skip', 'invalid_utf8', 'lone_surrogate', 'op_too_large', 'op_past_end',
  'doc_too_large', 'message_too_large', 'unknown_type', 'hello_required',
]);
