// An in-memory stand-in for the network the browser client talks to: a protocol v1 server core
// (sequencing with ot-text-unicode, exactly-once by (client, seq), presence fan-out) reachable
// through a fake WebSocket class and a fake fetch, each with scripted failures. It exercises the
// client's real transports; the end-to-end tests against `tandem serve` are in tests/browser.
import otText from 'ot-text-unicode';
import path from 'node:path';
import { tandemBin } from '../support/tandem_process.mjs';

const { type } = otText;

// The client bundle the build produced (esbuild), next to the binary like the demo page.
export const bundlePath = path.join(path.dirname(tandemBin), 'web', 'tandem.js');
export const loadClient = () => import(bundlePath);

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function until(predicate, timeoutMs = 5000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export class FakeServer {
  constructor() {
    this.docs = new Map();
    this.connections = new Set();
    this.hellos = [];      // every hello received (with its negotiation report)
    this.submits = [];     // every op submitted: {client, seq, doc, duplicate}
    this.heartbeatMs = 20000;
  }

  doc(id) {
    if (!this.docs.has(id)) this.docs.set(id, { text: '', log: [], applied: new Map() });
    return this.docs.get(id);
  }

  welcome(client) {
    return { t: 'welcome', client, heartbeat_ms: this.heartbeatMs, limits: {}, server: 'fake' };
  }

  hello(message) { this.hellos.push(message); return this.welcome(message.client); }

  // Applies a submit as the real server does (docs/protocol.md §6) and fans it out.
  submit(client, m) {
    const doc = this.doc(m.doc);
    const key = `${client}\n${m.seq}`;
    if (doc.applied.has(key)) {
      this.submits.push({ client, seq: m.seq, doc: m.doc, duplicate: true });
      return { v: doc.applied.get(key), duplicate: true };
    }
    let op = m.op;
    for (const past of doc.log.slice(m.v)) op = type.transform(op, past.op, 'left');
    const v = doc.log.length;
    doc.text = type.apply(doc.text, op);
    doc.log.push({ op, client, seq: m.seq });
    doc.applied.set(key, v);
    this.submits.push({ client, seq: m.seq, doc: m.doc, duplicate: false });
    for (const connection of this.connections) connection.deliverOp(m.doc, v, op, client, m.seq);
    return { v };
  }

  presence(client, m) {
    for (const connection of this.connections) {
      if (connection.client !== client) connection.deliverPresence(m.doc, { t: 'presence', doc: m.doc, client, v: this.doc(m.doc).log.length, sel: m.sel, name: m.name, color: m.color });
    }
  }
}

// One server-side connection: its subscriptions and an outbound sink.
class Downlink {
  constructor(server, client, sink) {
    this.server = server;
    this.client = client;
    this.sink = sink;
    this.subs = new Map();  // doc -> next version to send
    server.connections.add(this);
  }

  subscribe(docId, v) {
    const doc = this.server.doc(docId);
    if (v === undefined || v === null) {
      this.sink({ t: 'snapshot', doc: docId, v: doc.log.length, text: doc.text });
      this.subs.set(docId, doc.log.length);
    } else {
      for (let i = v; i < doc.log.length; i++) {
        const e = doc.log[i];
        this.sink({ t: 'op', doc: docId, v: i, op: e.op, client: e.client, seq: e.seq });
      }
      this.subs.set(docId, doc.log.length);
    }
  }

  deliverOp(docId, v, op, client, seq) {
    if (!this.subs.has(docId)) return;
    this.subs.set(docId, v + 1);
    this.sink(client === this.client && this.acksAsAck ? { t: 'ack', doc: docId, v, seq } : { t: 'op', doc: docId, v, op, client, seq });
  }

  deliverPresence(docId, message) { if (this.subs.has(docId)) this.sink(message); }

  close() { this.server.connections.delete(this); }
}

/**
 * A WebSocket class bound to `server`. `script()` returns the behaviour of the next socket:
 * 'ok', 'refused' (closed before open, as a 400 upgrade looks to a page), 'hung' (nothing ever
 * happens), 'silent' (opens, never answers).
 */
export function fakeWebSocketClass(server, script) {
  return class FakeWebSocket {
    static instances = [];
    constructor(url, protocols) {
      this.url = url;
      this.protocols = protocols;
      this.readyState = 0;
      this.mode = script();
      this.sent = [];
      FakeWebSocket.instances.push(this);
      if (this.mode === 'refused') setTimeout(() => { this.readyState = 3; this.onclose?.({ code: 1006, reason: '' }); }, 5);
      else if (this.mode === 'ok' || this.mode === 'silent') setTimeout(() => { this.readyState = 1; this.onopen?.(); }, 2);
    }
    send(text) {
      const m = JSON.parse(text);
      this.sent.push(m);
      if (this.mode !== 'ok' || this.readyState !== 1) return;
      const reply = (message) => setTimeout(() => { if (this.readyState === 1 && !this.muted) this.onmessage?.({ data: JSON.stringify(message) }); }, 1);
      if (m.t === 'hello') {
        this.downlink = new Downlink(server, m.client, reply);
        this.downlink.acksAsAck = true;
        reply(server.hello(m));
      } else if (m.t === 'sub') this.downlink.subscribe(m.doc, m.v);
      else if (m.t === 'op') server.submit(this.downlink.client, m);
      else if (m.t === 'presence') server.presence(this.downlink.client, m);
      else if (m.t === 'ping') reply({ t: 'pong', id: m.id });
    }
    close() {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.downlink?.close();
    }
    // Something in between stops passing frames down; the socket stays open.
    mute() { this.muted = true; }
    // The server side drops the connection.
    drop(code = 1006) {
      this.readyState = 3;
      this.downlink?.close();
      this.onclose?.({ code, reason: '' });
    }
  };
}

/**
 * A fetch bound to `server` for /v1/send, /v1/sse and /v1/poll. `script(kind)` returns the
 * behaviour of the next request of that kind ('send', 'sse', 'poll'): 'ok', 'refused' (503 with
 * Retry-After: 2), 'hung' (never answers), 'buffered' (SSE: headers, then nothing), 'broken'
 * (fetch rejects with a very long message), 'limited' (send: every op is refused as rate_limited
 * with retry_ms 200, as the real server's POST result says it).
 */
export function fakeFetch(server, script = () => 'ok') {
  const requests = [];
  const fetchImpl = async (url, init = {}) => {
    const u = new URL(url);
    const kind = u.pathname.slice(4);
    const mode = script(kind);
    const headers = init.headers ?? {};
    requests.push({ kind, url: u, mode, headers, body: init.body });
    if (mode === 'broken') throw new TypeError(`network error ${'x'.repeat(10000)}`);
    const signal = init.signal;
    const abortable = (promise) => new Promise((resolve, reject) => {
      signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      promise.then(resolve, reject);
    });
    if (mode === 'hung') return abortable(new Promise(() => {}));
    if (mode === 'refused') {
      return new Response(JSON.stringify({ error: { code: 'overloaded', message: 'busy' } }), { status: 503, headers: { 'Retry-After': '2' } });
    }
    const client = u.searchParams.get('client') ?? headers['X-Tandem-Client'];
    if (kind === 'send') {
      const results = JSON.parse(init.body).map((m) => {
        if (m.t === 'hello') return { ok: true, reply: server.hello(m) };
        if (m.t === 'ping') return { ok: true, reply: { t: 'pong', id: m.id } };
        if (m.t === 'op' && mode === 'limited') return { ok: false, code: 'rate_limited', message: 'slow down', retry_ms: 200 };
        if (m.t === 'op') return { ok: true, ...server.submit(client, m) };
        if (m.t === 'presence') { server.presence(client, m); return { ok: true }; }
        return { ok: false, code: 'bad_message', message: 'no' };
      });
      return new Response(JSON.stringify({ results }), { status: 200 });
    }
    const subs = u.searchParams.getAll('sub').map((s) => { const [doc, v] = s.split('@'); return { doc, v: v === undefined ? undefined : Number(v) }; });
    if (kind === 'poll') {
      return abortable(new Promise((resolve) => {
        const batch = [];
        const downlink = new Downlink(server, client, (m) => {
          batch.push(m);
          queueMicrotask(() => { downlink.close(); resolve(new Response(JSON.stringify(batch.splice(0)), { status: 200 })); });
        });
        for (const s of subs) downlink.subscribe(s.doc, s.v);
        signal?.addEventListener('abort', () => downlink.close());
      }));
    }
    // SSE
    const encoder = new TextEncoder();
    let downlink;
    const stream = new ReadableStream({
      start(controller) {
        if (mode === 'buffered') {
          // Headers went out; the events are held back by something in between.
          signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
          return;
        }
        controller.enqueue(encoder.encode(`: padding\n\nretry: 1000\n\ndata: ${JSON.stringify(server.welcome(client))}\n\n`));
        downlink = new Downlink(server, client, (m) => {
          try { controller.enqueue(encoder.encode(`data: ${JSON.stringify(m)}\n\n`)); } catch { downlink.close(); }
        });
        for (const s of subs) downlink.subscribe(s.doc, s.v);
        signal?.addEventListener('abort', () => { downlink.close(); try { controller.error(new DOMException('aborted', 'AbortError')); } catch { /* closed */ } });
      },
      cancel() { downlink?.close(); },
    });
    return new Response(stream, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
  };
  fetchImpl.requests = requests;
  return fetchImpl;
}

/** Installs the fakes as globals for one test; returns a function restoring the originals. */
export function installFakes({ WebSocket, fetch }) {
  const saved = { WebSocket: globalThis.WebSocket, fetch: globalThis.fetch };
  if (WebSocket) globalThis.WebSocket = WebSocket;
  if (fetch) globalThis.fetch = fetch;
  return () => { globalThis.WebSocket = saved.WebSocket; globalThis.fetch = saved.fetch; };
}
