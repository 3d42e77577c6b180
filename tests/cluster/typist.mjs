// The cluster tests' workload: a Typist is one protocol client (tests/support/protocol_client.mjs)
// on one transport typing unique tokens ("<name.n>") into one document, one op in flight at a
// time, each at a token boundary, so a token is never split by another one and the final text
// must hold every acknowledged token exactly once. Its requests go to the nodes it is given in
// turn (every HTTP request to the next node; a WebSocket to the next node at each reconnect),
// so nothing may depend on which node saw the client before. It records every acknowledgement
// it saw (an `ack`, its own op in the stream, or an `ok` POST result), resends an op that stays
// unconfirmed (same seq: the store answers the original version) and reconnects elsewhere when
// its node dies.
import { TestClient } from '../support/protocol_client.mjs';
import { StreamChecker } from '../support/http_transport.mjs';
import { slowFactor } from '../support/tandem_process.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Code-point offsets where a token may be inserted: the start, and after every '>'.
function boundaries(text) {
  const points = [...text];
  const result = [0];
  points.forEach((c, i) => { if (c === '>') result.push(i + 1); });
  return result;
}

// Every typist not yet closed, so a test's after() can stop them all even when it failed.
const open = new Set();

export class Typist {
  static closeAll() {
    for (const typist of open) typist.close();
  }

  // bases(): the base URLs to use, in turn (e.g. every node, or nginx alone).
  constructor(name, transport, doc, bases, { random = Math.random, resendMs = 3000 * slowFactor, reconnectEvery = 0 } = {}) {
    this.name = name;
    this.transport = transport;
    this.doc = doc;
    this.bases = bases;
    this.random = random;
    this.resendMs = resendMs;
    this.reconnectEvery = reconnectEvery;  // WebSocket: move to the next node after this many ops
    this.turn = Math.floor(random() * 100);
    this.tokens = new Map();   // seq -> token
    this.acked = new Set();    // seqs seen acknowledged
    this.served = new Map();   // base URL -> requests or connections sent there
    this.latencies = [];       // ms from sending an op to seeing it acknowledged
    this.resends = 0;
    this.reconnects = 0;
    this.sseResumes = 0;
    this.problems = [];
    this.scanned = 0;
    const options = { client: name };
    if (transport !== 'websocket') {
      options.transport = transport;
      options.fetch = (url, init) => this.#fetch(url, init);
    }
    this.client = new TestClient(this.#nextBase(), options);
    this.sentTimes = new Map();  // seq -> Date.now() when first sent
    // Each message is stamped with its arrival (not enumerable: never part of its JSON).
    const messages = this.client.messages;
    messages.push = (...items) => {
      const now = Date.now();
      for (const m of items) {
        if (m !== null && typeof m === 'object') Object.defineProperty(m, 'receivedAt', { value: now });
      }
      return Array.prototype.push.apply(messages, items);
    };
    this.closed = false;
    open.add(this);
  }

  #nextBase() {
    const bases = this.bases();
    const base = bases[this.turn++ % bases.length];
    this.served.set(base, (this.served.get(base) ?? 0) + 1);
    return base;
  }

  // Every HTTP request goes to the next node; ok results of POSTed ops are acknowledgements.
  async #fetch(url, init) {
    const target = new URL(this.#nextBase());
    const rewritten = new URL(url);
    rewritten.host = target.host;
    // An SSE stream reopened (on whichever node is next) from its last event's id.
    if (init?.headers?.['Last-Event-ID']) this.sseResumes++;
    const res = await fetch(rewritten, init);
    if (init?.method === 'POST' && res.status === 200) {
      const sent = JSON.parse(init.body);
      res.clone().json().then((body) => {
        body.results?.forEach((result, i) => {
          if (result.ok && sent[i]?.t === 'op') this.#acknowledged(sent[i].seq);
        });
      }).catch(() => {});
    }
    return res;
  }

  #acknowledged(seq) {
    if (this.acked.has(seq)) return;
    this.acked.add(seq);
    if (this.sentAt?.seq === seq) this.latencies.push(Date.now() - this.sentAt.time);
  }

  // Acknowledgements in the stream: `ack`, or the client's own op.
  #scan() {
    const messages = this.client.messages;
    for (; this.scanned < messages.length; this.scanned++) {
      const m = messages[this.scanned];
      if (m.doc !== this.doc) continue;
      if (m.t === 'ack' || (m.t === 'op' && m.client === this.name)) this.#acknowledged(m.seq);
    }
  }

  get document() { return this.client.docs.get(this.doc); }

  async connect() {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new Error(`${this.name}: closed`);
      try {
        await this.client.connect();
        break;
      } catch (error) {
        if (attempt > 20) throw error;
        await sleep(100);
        if (this.transport === 'websocket') this.client.url = `${this.#nextBase().replace(/^http/, 'ws')}/v1/ws`;
      }
    }
    if (this.document?.version != null) this.client.resume(this.doc);
    else this.client.subscribe(this.doc);
  }

  async start() {
    await this.connect();
    await this.client.waitFor(() => this.document.version !== null, 30000 * slowFactor);
  }

  // A WebSocket client moves to the next node (after a kill, or on purpose): resubscribes
  // from the version it has and resends the op in flight.
  async reconnect() {
    this.reconnects++;
    // Frames the old socket had already received are still emitted after terminate(); a client
    // that moved on ignores them (it resumes from the version it has on the new connection).
    this.client.ws?.removeAllListeners('message');
    this.client.close();
    this.client.url = `${this.#nextBase().replace(/^http/, 'ws')}/v1/ws`;
    await this.connect();
  }

  // Types one token and waits until it is acknowledged, resending (and reconnecting) as needed.
  async typeOne() {
    const doc = this.document;
    const spots = boundaries(doc.text);
    const at = spots[Math.floor(this.random() * spots.length)];
    const seqBefore = this.client.nextSeq;
    const token = `<${this.name}.${seqBefore}>`;
    this.client.edit(this.doc, at === 0 ? [token] : [at, token]);
    const seq = doc.inflight?.seq ?? seqBefore;
    this.tokens.set(seq, token);
    this.sentAt = { seq, time: Date.now() };
    this.sentTimes.set(seq, this.sentAt.time);
    await this.settle(seq);
    if (this.reconnectEvery > 0 && this.transport === 'websocket' && seq % this.reconnectEvery === 0) await this.reconnect();
  }

  // Waits until nothing is in flight, resending the op in flight every resendMs.
  async settle(seq, deadlineMs = 120000 * slowFactor) {
    const doc = this.document;
    const deadline = Date.now() + deadlineMs;
    while (doc.inflight || doc.buffer || doc.version === null) {
      if (this.closed) throw new Error(`${this.name}: closed`);
      if (Date.now() > deadline) throw new Error(`${this.name}: seq ${seq ?? doc.inflight?.seq} not acknowledged in ${deadlineMs} ms`);
      if (this.transport === 'websocket' && !this.client.online) {
        await sleep(50);
        try { await this.reconnect(); } catch { /* every node down for now */ }
        continue;
      }
      try {
        await this.client.waitFor(() => !doc.inflight || !this.client.online, this.resendMs);
      } catch {
        // Unconfirmed for a while: the request or its answer may be lost (a killed node).
        if (doc.inflight && this.client.online) {
          this.resends++;
          this.client.send({ t: 'op', doc: this.doc, v: doc.version, seq: doc.inflight.seq, op: doc.inflight.op });
        }
      }
      this.#scan();
    }
    this.#scan();
  }

  // Types until stop() is called, pausing pauseMs (random up to) between tokens.
  run(pauseMs = 30) {
    this.running = true;
    this.done = (async () => {
      while (this.running && !this.closed) {
        await this.typeOne();
        if (pauseMs > 0) await sleep(Math.floor(this.random() * pauseMs));
      }
    })().catch((error) => { this.failure = error; });
    return this.done;
  }

  async stop() {
    this.running = false;
    await this.done;
    if (this.failure) throw this.failure;
    await this.settle();
  }

  // Waits until this client holds the document at `version` (e.g. the store's head).
  async catchUp(version, timeoutMs = 60000 * slowFactor) {
    await this.client.waitFor(() => this.document.version >= version, timeoutMs)
      .catch(() => { throw new Error(`${this.name} (${this.transport}) stuck at v${this.document.version}, store at v${version}`); });
    this.#scan();
  }

  // The stream guarantees on everything this client received: versions in order, no gap, no
  // duplicate (every reconnect resumes at the version held, so the messages join up).
  streamProblems() {
    const checker = new StreamChecker();
    const seen = new Set();
    for (const m of this.client.messages) {
      if (m.doc !== this.doc) continue;
      // A resent op already applied is answered with its original version: not a duplicate.
      if (m.t === 'ack' && seen.has(m.seq)) continue;
      if (m.t === 'ack' || (m.t === 'op' && m.client === this.name)) seen.add(m.seq);
      checker.feed(m);
    }
    checker.authored(this.doc);
    return checker.problems.map((p) => `${this.name}: ${p}`);
  }

  // Milliseconds from each op's sending by its author to its arrival here, for the ops of the
  // given authors (other typists) this client received.
  deliveryTimes(authors) {
    const byName = new Map(authors.map((a) => [a.name, a]));
    const times = [];
    for (const m of this.client.messages) {
      if (m.t !== 'op' || m.doc !== this.doc || m.client === this.name) continue;
      const sent = byName.get(m.client)?.sentTimes.get(m.seq);
      if (sent !== undefined && m.receivedAt !== undefined) times.push(m.receivedAt - sent);
    }
    return times;
  }

  close() {
    this.closed = true;
    this.running = false;
    open.delete(this);
    this.client.close();
  }
}

// Everything the cluster tests check once the typing stopped: the store's op log (read from
// PostgreSQL) has contiguous versions from 0 and each (client, seq) at most once; every
// acknowledged op of every typist is in it exactly once; every client converged on the store's
// text; each acknowledged token is in it exactly once, no token twice. Returns a list of
// problems (empty when all holds) and the figures.
export async function checkConvergence(cluster, doc, typists) {
  const problems = [];
  const stored = cluster.storedOps(doc);
  stored.forEach((op, i) => { if (op.version !== i) problems.push(`${doc}: stored version ${op.version} at position ${i}`); });
  const byKey = new Map();
  for (const op of stored) {
    const key = `${op.client}/${op.seq}`;
    byKey.set(key, (byKey.get(key) ?? 0) + 1);
  }
  for (const [key, count] of byKey) if (count > 1) problems.push(`${doc}: ${key} stored ${count} times`);
  // The store is the truth; a node may still be delivering the last ops (the bus is a hint,
  // a head check catches up), so its read is awaited until it reaches the stored head.
  let read = await cluster.readDoc(doc);
  const deadline = Date.now() + 30000 * slowFactor;
  while (read.version < stored.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    read = await cluster.readDoc(doc);
  }
  const { text, version } = read;
  if (version !== stored.length) problems.push(`${doc}: document at v${version}, ${stored.length} ops stored`);
  for (const typist of typists.filter((t) => t.doc === doc)) {
    await typist.catchUp(version).catch((error) => problems.push(error.message));
    if (typist.document.text !== text) problems.push(`${typist.name}: text differs from the store's`);
    for (const seq of typist.acked) {
      const count = byKey.get(`${typist.name}/${seq}`) ?? 0;
      if (count !== 1) problems.push(`${typist.name}: acknowledged seq ${seq} stored ${count} times`);
      const token = typist.tokens.get(seq);
      const found = token ? text.split(token).length - 1 : 1;
      if (found !== 1) problems.push(`${typist.name}: acknowledged ${token} ${found} times in the text`);
    }
    for (const [seq, token] of typist.tokens) {
      if (!typist.acked.has(seq) && text.split(token).length - 1 > 1) problems.push(`${token} twice in the text`);
    }
    problems.push(...typist.streamProblems());
  }
  return { problems, version, text, stored };
}

// p50/p95/max of a list of numbers.
export function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
}
