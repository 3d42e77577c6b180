// A protocol v1 client for tests: a WebSocket connection plus the OT client state machine of
// DESIGN.md §3 (one op in flight, everything typed meanwhile composed into a buffer), built on
// the npm ot-text-unicode type, an implementation independent of the server's.
import WebSocket from 'ws';
import otText from 'ot-text-unicode';

export const { type: textType } = otText;

// A document as one client sees it.
export class ClientDocument {
  constructor(id) {
    this.id = id;
    this.version = null;   // null until the snapshot or the first op arrives
    this.text = '';
    this.inflight = null;  // {seq, op}
    this.buffer = null;    // op composed from everything typed while one is in flight
    this.errors = [];
  }

  get synced() { return this.version !== null && !this.inflight && !this.buffer; }
}

export class TestClient {
  // options: {client, origin, token, protocol ('tandem.v1' unless null), headers, transport,
  //           negotiation (the hello's report), ca (extra trusted certificate for wss/https),
  //           fetch (replaces the global fetch)}
  constructor(url, options = {}) {
    this.url = url.replace(/^http/, 'ws') + '/v1/ws';
    this.clientId = options.client ?? `c${Math.random().toString(36).slice(2, 10)}`;
    this.options = options;
    this.docs = new Map();
    this.nextSeq = 1;
    this.messages = [];   // every server message, in order
    this.errors = [];
    this.presence = new Map();  // doc -> Map(client -> message)
    this.postResults = [];      // HTTP transports: every POST /v1/send result, in order
    this.closed = null;
    this.waiters = [];
  }

  connect() {
    if (this.options.transport === 'poll' || this.options.transport === 'sse') return this.#connectHttp();
    const protocol = this.options.protocol === undefined ? 'tandem.v1' : this.options.protocol;
    const headers = { ...(this.options.headers ?? {}) };
    if (this.options.origin) headers.Origin = this.options.origin;
    this.ws = new WebSocket(this.url, protocol ? [protocol] : [], { headers, perMessageDeflate: true, ca: this.options.ca });
    this.closed = null;
    this.ws.on('message', (data) => this.#onFrame(data.toString()));
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.#wake();
    });
    return new Promise((resolve, reject) => {
      this.ws.once('unexpected-response', (req, res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => {
          const error = new Error(`upgrade refused: ${res.statusCode} ${body}`);
          error.status = res.statusCode;
          error.body = body;
          reject(error);
        });
      });
      this.ws.once('error', reject);
      this.ws.once('open', () => {
        const hello = { t: 'hello', client: this.clientId };
        if (this.options.token) hello.token = this.options.token;
        if (this.options.negotiation) hello.negotiation = this.options.negotiation;
        this.send(hello);
        this.waitFor(() => this.welcome || this.closed, 10000)
          .then(() => (this.welcome ? resolve(this) : reject(new Error(`closed: ${JSON.stringify(this.closed)}`))))
          .catch(reject);
      });
    });
  }

  send(message) {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    if (this.http) return this.#queuePost(text);
    this.ws.send(text);
  }

  close() {
    if (this.http) {
      this.http.closed = true;
      this.http.abort?.abort();
      this.closed = { code: 1000, reason: 'closed by test' };
      this.#wake();
      return;
    }
    this.ws?.terminate();
  }

  get online() { return this.http ? !this.http.closed : this.ws?.readyState === WebSocket.OPEN; }

  // ---- HTTP transports: POST /v1/send uplink, GET /v1/poll or /v1/sse downlink ----

  async #connectHttp() {
    this.base = this.url.replace(/^ws/, 'http').replace(/\/v1\/ws$/, '');
    this.http = { closed: false, queue: [], posting: false, generation: 0, lastEventId: null };
    const hello = { t: 'hello', client: this.clientId };
    if (this.options.negotiation) hello.negotiation = this.options.negotiation;
    const results = await this.#post([JSON.stringify(hello)]);
    if (!results?.[0]?.ok) throw new Error(`hello refused: ${JSON.stringify(results)}`);
    this.#onMessage(results[0].reply);
    this.#wake();
    return this;
  }

  #fetch(url, init) {
    return (this.options.fetch ?? fetch)(url, init);
  }

  #headers(extra = {}) {
    const headers = { 'Content-Type': 'application/json', 'X-Tandem-Client': this.clientId, ...extra };
    if (this.options.origin) headers.Origin = this.options.origin;
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    return headers;
  }

  async #post(texts) {
    const res = await this.#fetch(`${this.base}/v1/send`, { method: 'POST', headers: this.#headers(), body: `[${texts.join(',')}]` });
    const body = await res.json();
    if (res.status !== 200) {
      this.#onMessage({ t: 'error', code: body.error.code, message: body.error.message });
      return null;
    }
    for (const result of body.results) {
      this.postResults.push(result);
      if (!result.ok) this.#onMessage({ t: 'error', code: result.code, message: result.message });
    }
    this.#wake();
    return body.results;
  }

  #queuePost(text) {
    const http = this.http;
    if (http.closed) return;
    // Sub and unsub travel in the downlink URL; everything else goes up in one POST per tick.
    const message = (() => { try { return JSON.parse(text); } catch { return null; } })();
    if (message?.t === 'sub' || message?.t === 'unsub') {
      if (!this.docs.has(message.doc)) this.docs.set(message.doc, new ClientDocument(message.doc));
      this.docs.get(message.doc).requested = message.t === 'sub';
      return this.#restartDownlink();
    }
    http.queue.push(text);
    if (http.posting) return;
    http.posting = true;
    setImmediate(async () => {
      while (http.queue.length > 0 && !http.closed) {
        const batch = http.queue.splice(0);
        try { await this.#post(batch); } catch { /* the op stays in flight; resume resends it */ }
      }
      http.posting = false;
      this.#wake();
    });
  }

  #downlinkUrl(path) {
    const params = new URLSearchParams({ client: this.clientId });
    for (const doc of this.docs.values()) {
      if (!doc.requested) continue;
      params.append('sub', doc.version === null ? doc.id : `${doc.id}@${doc.version}`);
    }
    return `${this.base}${path}?${params}`;
  }

  #restartDownlink() {
    const http = this.http;
    http.generation += 1;
    http.abort?.abort();
    const generation = http.generation;
    setImmediate(() => (this.options.transport === 'poll' ? this.#pollLoop(generation) : this.#sseLoop(generation)));
  }

  async #pollLoop(generation) {
    const http = this.http;
    while (!http.closed && http.generation === generation) {
      http.abort = new AbortController();
      try {
        const res = await this.#fetch(this.#downlinkUrl('/v1/poll'), { headers: this.#headers(), signal: http.abort.signal });
        const body = await res.json();
        if (res.status !== 200) {
          this.#onMessage({ t: 'error', code: body.error.code, message: body.error.message });
          this.#wake();
          // A refused request (bad id, no access) is not retried until the subscriptions change.
          if (res.status !== 503 && res.status !== 429) return;
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        if (http.generation !== generation) return;
        for (const m of body) this.#onMessage(m);
        this.#wake();
      } catch {
        if (http.closed || http.generation !== generation) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async #sseLoop(generation) {
    const http = this.http;
    while (!http.closed && http.generation === generation) {
      http.abort = new AbortController();
      try {
        const headers = this.#headers();
        if (http.lastEventId) headers['Last-Event-ID'] = http.lastEventId;
        const res = await this.#fetch(this.#downlinkUrl('/v1/sse'), { headers, signal: http.abort.signal });
        if (res.status !== 200) {
          const body = await res.json();
          this.#onMessage({ t: 'error', code: body.error.code, message: body.error.message });
          this.#wake();
          if (res.status !== 503 && res.status !== 429) return;
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const chunk of res.body) {
          buffer += decoder.decode(chunk, { stream: true });
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let data = null;
            for (const line of event.split('\n')) {
              if (line.startsWith('id: ')) http.lastEventId = line.slice(4);
              else if (line.startsWith('data: ')) data = line.slice(6);
            }
            if (data !== null && http.generation === generation) {
              this.#onMessage(JSON.parse(data));
              this.#wake();
            }
          }
        }
      } catch {
        if (http.closed || http.generation !== generation) return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // Subscribes from the document's known version (resume) or from a snapshot.
  subscribe(id, fromVersion) {
    let doc = this.docs.get(id);
    if (!doc) { doc = new ClientDocument(id); this.docs.set(id, doc); }
    const v = fromVersion === undefined ? doc.version : fromVersion;
    if (v !== null && v !== undefined) doc.version = v;
    this.send(v === null || v === undefined ? { t: 'sub', doc: id } : { t: 'sub', doc: id, v });
    return doc;
  }

  // Resumes after a reconnect: resubscribe from the version held, resend the op in flight.
  resume(id) {
    const doc = this.subscribe(id);
    if (doc.inflight) this.#sendOp(doc, doc.inflight);
    return doc;
  }

  // A local edit: applied at once, sent when nothing is in flight, else composed into the buffer.
  edit(id, rawOp) {
    const doc = this.docs.get(id);
    const op = textType.normalize(rawOp);  // [0, 'x'] -> ['x'], as an editor binding would send
    doc.text = textType.apply(doc.text, op);
    if (doc.inflight) {
      doc.buffer = doc.buffer ? textType.compose(doc.buffer, op) : op;
    } else {
      doc.inflight = { seq: this.nextSeq++, op };
      if (this.online) this.#sendOp(doc, doc.inflight);
    }
  }

  #sendOp(doc, inflight) {
    this.send({ t: 'op', doc: doc.id, v: doc.version, seq: inflight.seq, op: inflight.op });
  }

  #confirm(doc, version) {
    doc.version = version + 1;
    doc.inflight = null;
    if (doc.buffer) {
      // Typed while waiting: goes out now, under a new seq.
      doc.inflight = { seq: this.nextSeq++, op: doc.buffer };
      doc.buffer = null;
      this.#sendOp(doc, doc.inflight);
    }
  }

  #onFrame(text) {
    const parsed = JSON.parse(text);
    for (const message of Array.isArray(parsed) ? parsed : [parsed]) this.#onMessage(message);
    this.#wake();
  }

  #onMessage(m) {
    this.messages.push(m);
    const doc = m.doc !== undefined ? this.docs.get(m.doc) : undefined;
    switch (m.t) {
      case 'welcome':
        this.welcome = m;
        break;
      case 'snapshot':
        if (!doc) break;
        doc.version = m.v;
        doc.text = m.text;
        // Anything pending is re-applied as a fresh op against the snapshot (resync).
        if (doc.inflight || doc.buffer) {
          doc.inflight = null;
          doc.buffer = null;
        }
        break;
      case 'op': {
        if (!doc) break;
        if (m.v !== doc.version) throw new Error(`gap: got op ${m.v} at version ${doc.version} (${this.clientId})`);
        if (doc.inflight && m.client === this.clientId && m.seq === doc.inflight.seq) {
          this.#confirm(doc, m.v);  // our own op, replayed on resume
          break;
        }
        let op = m.op;
        if (doc.inflight) {
          const inflight = textType.transform(doc.inflight.op, op, 'left');
          op = textType.transform(op, doc.inflight.op, 'right');
          doc.inflight = { ...doc.inflight, op: inflight };
        }
        if (doc.buffer) {
          const buffer = textType.transform(doc.buffer, op, 'left');
          op = textType.transform(op, doc.buffer, 'right');
          doc.buffer = buffer;
        }
        doc.text = textType.apply(doc.text, op);
        doc.version = m.v + 1;
        break;
      }
      case 'ack':
        if (!doc) break;
        if (doc.inflight && m.seq === doc.inflight.seq) {
          if (m.v !== doc.version) throw new Error(`ack for version ${m.v} at ${doc.version}`);
          this.#confirm(doc, m.v);
        }
        break;
      case 'presence': {
        if (!this.presence.has(m.doc)) this.presence.set(m.doc, new Map());
        if (m.gone) this.presence.get(m.doc).delete(m.client);
        else this.presence.get(m.doc).set(m.client, m);
        break;
      }
      case 'error':
        this.errors.push(m);
        if (doc) doc.errors.push(m);
        break;
      default:
        break;
    }
  }

  #wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  // Resolves once predicate() is true (checked after every frame), or rejects after timeoutMs.
  waitFor(predicate, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`timed out waiting (${this.clientId})`)), timeoutMs);
      const check = () => {
        let ok = false;
        try { ok = predicate(); } catch (error) { clearTimeout(deadline); reject(error); return; }
        if (ok) { clearTimeout(deadline); resolve(); } else { this.waiters.push(check); }
      };
      check();
    });
  }

  waitForError(code, timeoutMs = 5000) {
    return this.waitFor(() => this.errors.some((e) => e.code === code), timeoutMs)
      .then(() => this.errors.find((e) => e.code === code));
  }
}

// A compact HS256 JWT, as any JWT library would make it.
export async function signToken(claims, secret) {
  const { createHmac } = await import('node:crypto');
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

// A seeded PRNG (mulberry32), so failing runs can be replayed.
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = ['a', 'b', 'c', 'x', 'y', ' ', '\n', 'é', '中', '😀', '👍🏽'];

// A random typing-sized op against `text` (code points), as an editor would produce.
export function randomOp(text, random) {
  const length = [...text].length;
  const position = Math.floor(random() * (length + 1));
  const op = [];
  if (position > 0) op.push(position);
  if (length > position && random() < 0.3) {
    op.push({ d: 1 + Math.floor(random() * Math.min(3, length - position)) });
  } else {
    let insert = '';
    const n = 1 + Math.floor(random() * 3);
    for (let i = 0; i < n; i++) insert += ALPHABET[Math.floor(random() * ALPHABET.length)];
    op.push(insert);
  }
  return textType.normalize(op);
}
