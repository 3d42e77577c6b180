// Raw clients for the HTTP transports (POST /v1/send, GET /v1/poll, GET /v1/sse), byte-exact so
// tests can check headers, compression and framing, and a checker for the stream guarantees of
// docs/protocol.md §5 (version order, no gap, no duplicate).
import http from 'node:http';
import zlib from 'node:zlib';

// One request on a fresh connection; resolves {status, headers, raw (Buffer as received),
// body (decoded text), json (parsed when JSON)}. Gzip bodies are decoded into `body`.
export function httpRequest(url, { method = 'GET', headers = {}, body, signal } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false, signal }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        let decoded = raw;
        try {
          if (res.headers['content-encoding'] === 'gzip') decoded = zlib.gunzipSync(raw);
        } catch (error) {
          return reject(new Error(`bad gzip body: ${error.message}`));
        }
        const text = decoded.toString('utf8');
        let json;
        if ((res.headers['content-type'] ?? '').startsWith('application/json') && text) {
          json = JSON.parse(text);
        }
        resolve({ status: res.statusCode, headers: res.headers, raw, body: text, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const asBody = (messages) => (typeof messages === 'string' ? messages : JSON.stringify(messages));

// POST /v1/send with the headers a browser client sends (override or drop any with `headers`;
// a header set to undefined is left out).
export function send(base, client, messages, { headers = {} } = {}) {
  const all = { 'Content-Type': 'application/json', 'X-Tandem-Client': client, ...headers };
  for (const [key, value] of Object.entries(all)) if (value === undefined) delete all[key];
  return httpRequest(`${base}/v1/send`, { method: 'POST', headers: all, body: asBody(messages) });
}

// The query string of a downlink request: subs are 'DOC' (snapshot) or 'DOC@N'.
export function downlinkUrl(base, path, client, subs) {
  const params = new URLSearchParams({ client });
  for (const sub of subs) params.append('sub', sub);
  return `${base}${path}?${params}`;
}

// GET /v1/poll; resolves like httpRequest, with `messages` (the JSON array) and `more`.
export async function poll(base, client, subs, { headers = {}, signal } = {}) {
  const res = await httpRequest(downlinkUrl(base, '/v1/poll', client, subs), { headers, signal });
  if (res.status === 200) {
    res.messages = res.json;
    res.more = res.headers['x-tandem-more'] === '1';
  }
  return res;
}

// An open GET /v1/sse: parses events as they arrive (gunzipping when the server compressed).
// `events` holds {id, data (parsed), comment} in order; `lastEventId` the last id seen.
export class SseConnection {
  static open(base, client, subs, { headers = {}, lastEventId } = {}) {
    const all = { ...headers };
    if (lastEventId) all['Last-Event-ID'] = lastEventId;
    return new Promise((resolve, reject) => {
      const req = http.request(downlinkUrl(base, '/v1/sse', client, subs), { headers: all, agent: false });
      req.on('error', reject);
      req.on('response', (res) => resolve(new SseConnection(req, res)));
      req.end();
    });
  }

  constructor(req, res) {
    this.req = req;
    this.res = res;
    this.status = res.statusCode;
    this.headers = res.headers;
    this.events = [];
    this.comments = 0;
    this.lastEventId = null;
    this.rawBytes = 0;
    this.text = '';
    this.error = null;
    this.waiters = [];
    this.ended = false;
    this.endedPromise = new Promise((resolve) => { this.resolveEnded = resolve; });
    res.on('data', (chunk) => { this.rawBytes += chunk.length; });
    let source = res;
    if (res.headers['content-encoding'] === 'gzip') {
      // A sync-flushed gzip stream: each event is decodable as soon as it arrives.
      source = res.pipe(zlib.createGunzip());
      res.on('error', () => {});
    }
    source.setEncoding('utf8');
    source.on('data', (text) => this.#onText(text));
    source.on('error', (error) => { this.error = error; this.#finish(); });
    source.on('end', () => this.#finish());
    res.on('close', () => { if (!res.complete) this.#finish(); });
  }

  #finish() {
    if (this.ended) return;
    this.ended = true;
    this.resolveEnded();
    this.#wake();
  }

  #onText(text) {
    if (this.status !== 200) { this.text += text; this.#wake(); return; }
    this.text += text;
    let end;
    while ((end = this.text.indexOf('\n\n')) >= 0) {
      const block = this.text.slice(0, end);
      this.text = this.text.slice(end + 2);
      const event = { id: null, data: null, comment: false, retry: null };
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) event.comment = true;
        else if (line.startsWith('id: ')) event.id = line.slice(4);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
        else if (line.startsWith('retry: ')) event.retry = Number(line.slice(7));
      }
      if (data.length > 0) event.data = JSON.parse(data.join('\n'));
      if (event.id !== null) this.lastEventId = event.id;
      if (event.comment && data.length === 0) this.comments += 1;
      this.events.push(event);
    }
    this.#wake();
  }

  // The server messages received so far (events with data), in order.
  get messages() { return this.events.filter((e) => e.data !== null).map((e) => e.data); }

  #wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  waitFor(predicate, timeoutMs = 10000, what = 'condition') {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`SSE: no ${what} within ${timeoutMs} ms; ${this.events.length} events`)), timeoutMs);
      const check = () => {
        if (predicate(this)) { clearTimeout(timer); resolve(this); } else if (this.ended && !predicate(this)) {
          clearTimeout(timer);
          reject(new Error(`SSE stream ended before ${what}; ${this.events.length} events${this.error ? `; ${this.error.message}` : ''}`));
        } else this.waiters.push(check);
      };
      check();
    });
  }

  // Resolves when the server has ended the stream; rejects after timeoutMs.
  waitEnded(timeoutMs = 10000) {
    return this.waitFor((s) => s.ended, timeoutMs, 'end of stream').catch((error) => {
      if (!this.ended) throw error;
      return this;
    });
  }

  // Cuts the connection the way a network failure or a closed tab does.
  destroy() {
    this.res.socket?.destroy();
    this.req.destroy();
  }
}

// Follows one client's view of documents through server messages and records every breach of
// the stream guarantees: an op/ack whose version is not the next one is a gap or a duplicate.
export class StreamChecker {
  constructor() {
    this.versions = new Map();  // doc -> next expected version
    this.ops = new Map();       // doc -> [{v, client, seq, op}] in delivery order
    this.problems = [];
  }

  start(doc, version) {
    this.versions.set(doc, version);
    if (!this.ops.has(doc)) this.ops.set(doc, []);
  }

  version(doc) { return this.versions.get(doc); }

  feed(message) {
    if (message.t === 'snapshot') {
      this.start(message.doc, message.v);
      this.ops.get(message.doc).snapshot = message.text;
      return;
    }
    if (message.t !== 'op' && message.t !== 'ack') return;
    const expected = this.versions.get(message.doc);
    if (expected === undefined) {
      this.problems.push(`${message.t} for unsubscribed ${message.doc}`);
    } else if (message.v < expected) {
      this.problems.push(`duplicate: ${message.doc} v${message.v}, expected v${expected}`);
      return;
    } else if (message.v > expected) {
      this.problems.push(`gap: ${message.doc} v${message.v}, expected v${expected}`);
    }
    this.versions.set(message.doc, message.v + 1);
    this.ops.get(message.doc).push(message);
  }

  // The ops of `doc` by (client, seq): every pair must appear once.
  authored(doc) {
    const seen = new Map();
    for (const op of this.ops.get(doc) ?? []) {
      const key = `${op.client}/${op.seq}`;
      if (seen.has(key)) this.problems.push(`${key} delivered twice in ${doc}`);
      seen.set(key, op);
    }
    return seen;
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
