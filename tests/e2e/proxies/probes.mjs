// What a cell does to each transport, measured with plain node clients (the way `tandem
// doctor` and the browser client see it): the WebSocket handshake and an idle WebSocket, an SSE
// stream's first events, a live event and an idle stream, a held long-poll, and two or more
// clients editing concurrently through the proxy. Every probe returns plain data for the
// assertions and for RESULTS.md.
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import WebSocket from 'ws';
import { TestClient, prng } from '../../support/protocol_client.mjs';
import { slowFactor } from '../../support/tandem_process.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let nextId = 0;
const clientId = (prefix) => `${prefix}${process.pid}x${(nextId++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;

// A fetch for https:// through a cell with a self-signed certificate (the global fetch cannot
// be given a CA), built on node's http/https; enough for TestClient and the probes.
export function makeFetch(ca) {
  if (!ca) return fetch;
  return (url, init = {}) => new Promise((resolve, reject) => {
    const target = new URL(url);
    const module = target.protocol === 'https:' ? https : http;
    const request = module.request(target, {
      method: init.method ?? 'GET', headers: init.headers, ca, signal: init.signal,
    }, (res) => {
      const headers = new Headers();
      for (const [key, value] of Object.entries(res.headers)) {
        headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      const body = init.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304 ? null : Readable.toWeb(res);
      resolve(new Response(body, { status: res.statusCode, headers }));
    });
    request.on('error', reject);
    request.end(init.body);
  });
}

// A raw streaming GET: resolves {status, headers, res, startedAt} as soon as headers arrive.
function streamingGet(url, { headers, ca, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const module = target.protocol === 'https:' ? https : http;
    const startedAt = performance.now();
    const request = module.request(target, { headers, ca, agent: false }, (res) => {
      resolve({ status: res.statusCode, headers: res.headers, res, request, startedAt });
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}

async function readBody(res) {
  let body = '';
  for await (const chunk of res) body += chunk;
  return body;
}

function errorCode(body) {
  try { return JSON.parse(body).error?.code ?? null; } catch { return null; }
}

// A writer straight on Tandem (not through the proxy) that makes a live op on `doc` when asked.
export async function startWriter(upstreamUrl) {
  const writer = new TestClient(upstreamUrl, { client: clientId('writer') });
  await writer.connect();
  return {
    async edit(doc, text) {
      if (!writer.docs.has(doc)) {
        writer.subscribe(doc);
        await writer.waitFor(() => writer.docs.get(doc).version !== null, 5000 * slowFactor);
      }
      const d = writer.docs.get(doc);
      writer.edit(doc, [[...d.text].length, text]);
      await writer.waitFor(() => d.synced, 5000 * slowFactor);
    },
    close: () => writer.close(),
  };
}

// WebSocket: the handshake (ok / refused with status and code / hung / silent), then an idle
// connection for idleMs: is it cut, when, with which close code; does a ping still get its pong.
export async function probeWebSocket(cell, { idleMs, handshakeMs = 3000 * slowFactor }) {
  const result = { handshake: null, status: null, code: null, welcomeMs: null, idle: null, deadlineMs: handshakeMs };
  const startedAt = performance.now();
  const url = `${cell.url.replace(/^http/, 'ws')}/v1/ws`;
  const ws = new WebSocket(url, ['tandem.v1'], { headers: { Origin: cell.origin }, ca: cell.ca });
  let closed = null;
  let welcome = null;
  const pongs = new Set();
  ws.on('message', (data) => {
    const parsed = JSON.parse(data.toString());
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
      if (m.t === 'welcome') welcome = performance.now();
      if (m.t === 'pong') pongs.add(m.id);
    }
  });
  ws.on('error', () => {});
  const closedPromise = new Promise((resolve) => ws.on('close', (code) => {
    closed = { code, at: performance.now() };
    resolve();
  }));
  const handshake = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ handshake: ws.readyState === WebSocket.OPEN ? 'silent' : 'hung' }), handshakeMs);
    ws.once('unexpected-response', async (req, res) => {
      clearTimeout(timer);
      const body = await readBody(res).catch(() => '');
      resolve({ handshake: 'refused', status: res.statusCode, code: errorCode(body) });
    });
    ws.once('open', () => {
      ws.send(JSON.stringify({ t: 'hello', client: clientId('ws') }));
      const check = setInterval(() => {
        if (welcome !== null) { clearInterval(check); clearTimeout(timer); resolve({ handshake: 'ok' }); }
      }, 10);
      ws.once('close', () => clearInterval(check));
    });
    ws.once('error', (error) => {
      if (ws.readyState === WebSocket.CLOSED && !closed) { clearTimeout(timer); resolve({ handshake: 'error', detail: error.message }); }
    });
  });
  Object.assign(result, handshake);
  if (result.handshake !== 'ok') {
    ws.terminate();
    return result;
  }
  result.welcomeMs = Math.round(welcome - startedAt);
  // The welcome is the last byte through the proxy: its idle timer runs from there, however late
  // a busy test process noticed it.
  const idleStart = welcome;
  await Promise.race([closedPromise, sleep(idleMs)]);
  if (closed) {
    result.idle = { cut: true, afterMs: Math.round(closed.at - idleStart), closeCode: closed.code };
  } else {
    ws.send(JSON.stringify({ t: 'ping', id: 7 }));
    const deadline = performance.now() + 3000 * slowFactor;
    while (!pongs.has(7) && !closed && performance.now() < deadline) await sleep(20);
    result.idle = { cut: false, afterMs: Math.round(performance.now() - idleStart), pong: pongs.has(7) };
  }
  ws.terminate();
  return result;
}

// SSE: status, time to the welcome and snapshot events, latency of a live op made by `writer`,
// then the stream watched until observeMs: does it end, when, and how (clean end or reset).
export async function probeSse(cell, writer, { observeMs, doc }) {
  const result = { status: null, code: null, welcomeMs: null, snapshotMs: null, liveMs: null, end: null, heartbeats: 0 };
  const client = clientId('sse');
  const url = `${cell.url}/v1/sse?client=${client}&sub=${doc}`;
  // What a browser's EventSource sends; Tandem then gzips the stream (flushing every event).
  const headers = {
    Accept: 'text/event-stream', 'Cache-Control': 'no-cache', 'Accept-Encoding': 'gzip', Origin: cell.origin,
  };
  let opened;
  try {
    opened = await streamingGet(url, { headers, ca: cell.ca, timeoutMs: observeMs });
  } catch (error) {
    result.status = 'no response';
    result.end = { how: error.message, afterMs: observeMs };
    return result;
  }
  const { res, startedAt } = opened;
  result.status = opened.status;
  result.headersMs = Math.round(performance.now() - startedAt);
  if (opened.status !== 200) {
    result.code = errorCode(await readBody(res).catch(() => ''));
    return result;
  }
  result.gzip = opened.headers['content-encoding'] === 'gzip';
  const stream = result.gzip ? res.pipe(zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH })) : res;
  let liveSentAt = null;
  let liveText = null;
  let buffer = '';
  if (stream !== res) stream.on('error', () => {});  // a stream cut mid-way ends the gzip early
  // A proxy's idle timeout counts from the last byte it passed (an event or a heartbeat).
  let lastByteAt = startedAt;
  res.on('data', () => { lastByteAt = performance.now(); });
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split('\n')) {
        if (line === ':') result.heartbeats += 1;
        if (!line.startsWith('data: ')) continue;
        const m = JSON.parse(line.slice(6));
        const at = Math.round(performance.now() - startedAt);
        if (m.t === 'welcome' && result.welcomeMs === null) result.welcomeMs = at;
        if (m.t === 'snapshot' && result.snapshotMs === null) result.snapshotMs = at;
        if (m.t === 'op' && liveText !== null && m.op.includes(liveText) && result.liveMs === null) {
          result.liveMs = Math.round(performance.now() - liveSentAt);
        }
      }
    }
  });
  const ended = new Promise((resolve) => {
    res.on('end', () => resolve('end'));
    res.on('error', (error) => resolve(`error: ${error.code ?? error.message}`));
    res.on('aborted', () => resolve('aborted'));
  });
  // The live op goes out 1 s after the snapshot, or after 2 s if the stream shows nothing.
  const deadline = startedAt + 2000 * slowFactor;
  while (result.snapshotMs === null && performance.now() < deadline) await sleep(20);
  if (result.snapshotMs !== null) await sleep(1000);
  liveText = `live-${client}`;
  liveSentAt = performance.now();
  writer.edit(doc, liveText).catch(() => {});
  const how = await Promise.race([ended, sleep(Math.max(0, startedAt + observeMs - performance.now())).then(() => null)]);
  if (how) {
    const now = performance.now();
    result.end = { how, afterMs: Math.round(now - startedAt), idleMs: Math.round(now - lastByteAt) };
  }
  opened.request.destroy();
  return result;
}

// Long-poll: the uplink's hello, the first (immediate) answer, a poll held with nothing to
// send (its status and when it is answered), and a held poll answered by a live op.
// A long-poll client's two requests through the cell: the hello (POST) and one poll.
// `count` SSE streams opened one after another, as browsers open them: how long each took to
// its first event (the welcome), or null when it showed nothing within `withinMs`. A proxy that
// holds back some streams and not others (Varnish with close-delimited bodies) cannot hide
// behind one lucky stream.
export async function probeSseStreams(cell, { count = 20, withinMs = 1000 * slowFactor } = {}) {
  const firstEventMs = [];
  const headers = {
    Accept: 'text/event-stream', 'Cache-Control': 'no-cache', 'Accept-Encoding': 'gzip', Origin: cell.origin,
  };
  for (let i = 0; i < count; i++) {
    const url = `${cell.url}/v1/sse?client=${clientId('streams')}&sub=sse-streams`;
    let opened;
    try {
      opened = await streamingGet(url, { headers, ca: cell.ca, timeoutMs: withinMs });
    } catch {
      firstEventMs.push(null);
      continue;
    }
    const { res, request, startedAt } = opened;
    const gzip = opened.headers['content-encoding'] === 'gzip';
    const stream = gzip ? res.pipe(zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH })) : res;
    if (stream !== res) stream.on('error', () => {});
    res.on('error', () => {});
    const first = await new Promise((resolve) => {
      let text = '';
      const timer = setTimeout(() => resolve(null), Math.max(0, startedAt + withinMs - performance.now()));
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        text += chunk;
        if (/^data: /m.test(text)) {
          clearTimeout(timer);
          resolve(Math.round(performance.now() - startedAt));
        }
      });
    });
    firstEventMs.push(opened.status === 200 ? first : null);
    request.destroy();
  }
  return { count, withinMs, firstEventMs, prompt: firstEventMs.filter((ms) => ms !== null).length };
}

function pollRequests(cell, timeoutMs) {
  const fetchFn = makeFetch(cell.ca);
  const base = { Origin: cell.origin };
  const hello = async (client) => {
    const res = await fetchFn(`${cell.url}/v1/send`, {
      method: 'POST',
      headers: { ...base, 'Content-Type': 'application/json', 'X-Tandem-Client': client },
      body: JSON.stringify([{ t: 'hello', client }]),
    });
    const body = await res.text();
    return { status: res.status, ok: res.status === 200 && JSON.parse(body).results?.[0]?.ok === true };
  };
  const poll = async (client, sub) => {
    const startedAt = performance.now();
    try {
      const res = await fetchFn(`${cell.url}/v1/poll?client=${client}&sub=${sub}`, { headers: base, signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      let body = null;
      try { body = JSON.parse(text); } catch { /* an error page */ }
      return { status: res.status, ms: Math.round(performance.now() - startedAt), body };
    } catch (error) {
      return { status: 'error', ms: Math.round(performance.now() - startedAt), detail: error.cause?.code ?? error.name };
    }
  };
  return { hello, poll };
}

const snapshotOf = (answer) => (Array.isArray(answer.body) ? answer.body.find((m) => m.t === 'snapshot') : null);

// Several clients hold a poll at once through the cell; when a proxy cuts them all at its read
// timeout, the server must notice the pattern (tandem_proxy_read_timeout_* in /metrics).
export async function probeHeldPollCuts(cell, { clients = 3, doc = 'cut-polls', timeoutMs = 45000 } = {}) {
  const { hello, poll } = pollRequests(cell, timeoutMs);
  const holds = await Promise.all(Array.from({ length: clients }, async (_, i) => {
    const client = clientId(`cut${i}`);
    await hello(client);
    const first = await poll(client, doc);
    return poll(client, `${doc}@${snapshotOf(first)?.v ?? 0}`);
  }));
  await sleep(200);  // the server sees the cuts a moment after the client does
  const metrics = await (await fetch(`${cell.upstream.url}/metrics`)).text();
  const value = (name) => Number(metrics.match(new RegExp(`^${name} ([0-9.]+)$`, 'm'))?.[1] ?? NaN);
  return {
    holds: holds.map((h) => ({ status: h.status, ms: h.ms })),
    suspected: value('tandem_proxy_read_timeout_suspected_total'),
    seconds: value('tandem_proxy_read_timeout_seconds'),
  };
}

export async function probePoll(cell, writer, { holdDoc, liveDoc, timeoutMs = 45000 }) {
  const result = { hello: null, firstMs: null, hold: null, liveMs: null };
  const { hello, poll } = pollRequests(cell, timeoutMs);
  const a = clientId('pollA');
  const b = clientId('pollB');
  result.hello = await hello(a);
  await hello(b);
  const first = await poll(a, holdDoc);
  result.firstMs = first.ms;
  result.firstStatus = first.status;
  const snapshot = snapshotOf(first);
  const firstB = await poll(b, liveDoc);
  const snapshotB = snapshotOf(firstB);
  const held = poll(a, `${holdDoc}@${snapshot?.v ?? 0}`);
  const live = poll(b, `${liveDoc}@${snapshotB?.v ?? 0}`);
  await sleep(1000);
  const liveText = `live-${b}`;
  const sentAt = performance.now();
  await writer.edit(liveDoc, liveText).catch(() => {});
  const liveAnswer = await live;
  const liveOp = Array.isArray(liveAnswer.body) && liveAnswer.body.some((m) => m.t === 'op' && m.op.includes(liveText));
  result.liveMs = liveOp ? Math.round(performance.now() - sentAt) : null;
  result.liveStatus = liveAnswer.status;
  const holdAnswer = await held;
  result.hold = {
    status: holdAnswer.status,
    ms: holdAnswer.ms,
    empty: Array.isArray(holdAnswer.body) && holdAnswer.body.length === 0,
    detail: holdAnswer.detail,
  };
  return result;
}

// Clients on the given transports open one document through the proxy and type into it at
// once; each inserts characters no other client uses, so after they settle every client's text
// must be equal, equal to the server's durable copy, and hold every character exactly once.
export async function converge(cell, transports, { doc, opsPerClient = 25, seed = 7 }) {
  const startedAt = performance.now();
  const fetchFn = makeFetch(cell.ca);
  const clients = transports.map((transport) => new TestClient(cell.url, {
    client: clientId(transport), transport, origin: cell.origin, ca: cell.ca, fetch: fetchFn,
  }));
  try {
    await Promise.all(clients.map((c) => c.connect()));
    for (const c of clients) c.subscribe(doc);
    await Promise.all(clients.map((c) => c.waitFor(() => c.docs.get(doc).version !== null, 10000 * slowFactor)));
    const typed = [];
    await Promise.all(clients.map(async (c, index) => {
      const random = prng(seed + index);
      const d = c.docs.get(doc);
      for (let i = 0; i < opsPerClient; i++) {
        const ch = String.fromCodePoint(0x4e00 + index * 0x400 + i);  // unique per client and op
        typed.push(ch);
        const length = [...d.text].length;
        const position = Math.floor(random() * (length + 1));
        c.edit(doc, position > 0 ? [position, ch] : [ch]);
        await sleep(Math.floor(random() * 40));
      }
    }));
    const settled = () => clients.every((c) => c.docs.get(doc).synced)
      && clients.every((c) => c.docs.get(doc).version === clients[0].docs.get(doc).version
        && c.docs.get(doc).text === clients[0].docs.get(doc).text);
    // Settled depends on every client, so it is polled rather than checked on one's frames.
    const deadline = performance.now() + 30000 * slowFactor;
    while (!settled()) {
      if (performance.now() > deadline) {
        const state = clients.map((c) => ({ v: c.docs.get(doc).version, synced: c.docs.get(doc).synced, errors: c.errors }));
        throw new Error(`did not converge: ${JSON.stringify(state)}`);
      }
      await sleep(20);
    }
    const res = await fetchFn(`${cell.url}/v1/docs/${doc}`, { headers: { Origin: cell.origin } });
    const durable = JSON.parse(await res.text());
    const texts = clients.map((c) => c.docs.get(doc).text);
    const missing = typed.filter((ch) => [...durable.text].filter((x) => x === ch).length !== 1);
    return {
      transports,
      ops: typed.length,
      ms: Math.round(performance.now() - startedAt),
      version: durable.version,
      equal: texts.every((t) => t === durable.text),
      missing,
      errors: clients.flatMap((c) => c.errors.map((e) => e.code)),
    };
  } finally {
    for (const c of clients) c.close();
  }
}

// For cells that cut idle connections: a WebSocket client idles until the proxy cuts it, types
// while cut off, reconnects and resumes from its version, while a long-poll client (whose held
// polls the proxy also cuts) types too. Nothing either typed may be lost or applied twice.
export async function resumeAfterCut(cell, { doc, waitMs }) {
  const fetchFn = makeFetch(cell.ca);
  const options = { origin: cell.origin, ca: cell.ca, fetch: fetchFn };
  const a = new TestClient(cell.url, { ...options, client: clientId('cutA') });
  const b = new TestClient(cell.url, { ...options, client: clientId('cutB'), transport: 'poll' });
  const result = { cutAfterMs: null, closeCode: null, converged: false, missing: [] };
  try {
    await a.connect();
    await b.connect();
    a.subscribe(doc);
    b.subscribe(doc);
    await a.waitFor(() => a.docs.get(doc).version !== null, 10000 * slowFactor);
    await b.waitFor(() => b.docs.get(doc).version !== null, 10000 * slowFactor);
    const da = a.docs.get(doc);
    const db = b.docs.get(doc);
    a.edit(doc, ['<A0>']);
    await a.waitFor(() => da.synced, 5000 * slowFactor);
    const idleStart = performance.now();
    await a.waitFor(() => a.closed, waitMs);
    result.cutAfterMs = Math.round(performance.now() - idleStart);
    result.closeCode = a.closed.code;
    // Typed while cut off: the first edit waits in flight, the second is composed behind it.
    a.edit(doc, [[...da.text].length, '<A1>']);
    a.edit(doc, [[...da.text].length, '<A2>']);
    b.edit(doc, ['<B1>']);
    await a.connect();
    a.resume(doc);
    const deadline = performance.now() + 15000 * slowFactor;
    while (!(da.synced && db.synced && da.version === db.version && da.text === db.text)) {
      if (performance.now() > deadline) throw new Error(`no convergence after resume: ${JSON.stringify([da.text, db.text])}`);
      await sleep(20);
    }
    const res = await fetchFn(`${cell.url}/v1/docs/${doc}`, { headers: { Origin: cell.origin } });
    const durable = JSON.parse(await res.text());
    result.missing = ['<A0>', '<A1>', '<A2>', '<B1>'].filter((s) => durable.text.split(s).length !== 2);
    result.converged = durable.text === da.text;
    result.errors = [...a.errors, ...b.errors].map((e) => e.code);
    return result;
  } finally {
    a.close();
    b.close();
  }
}

// What the origin check makes of a browser's uplink POST (Origin: the address the user typed)
// when Tandem is not told the public origin: 200 where the proxy passes Host through, 403
// origin_not_allowed where it rewrites it.
export async function probeOriginCheck(cell) {
  const client = clientId('origin');
  const res = await makeFetch(cell.ca)(`${cell.url}/v1/send`, {
    method: 'POST',
    headers: { Origin: cell.origin, 'Content-Type': 'application/json', 'X-Tandem-Client': client },
    body: JSON.stringify([{ t: 'hello', client }]),
  });
  const body = await res.text();
  return { status: res.status, code: errorCode(body) };
}

// TLS cells over HTTP/2, as browsers reach them once the page came over h2: does the proxy
// speak h2, does it offer WebSocket over h2 (RFC 8441), and do SSE and a poll pass over it.
export async function probeHttp2(cell, { doc }) {
  const result = { h2: false, extendedConnect: null, sseWelcomeMs: null, pollStatus: null };
  let session;
  try {
    session = http2.connect(cell.url, { ca: cell.ca });
    session.on('error', () => {});
    await new Promise((resolve, reject) => {
      session.once('remoteSettings', resolve);
      session.once('error', reject);
      setTimeout(() => reject(new Error('no settings')), 3000 * slowFactor);
    });
  } catch {
    session?.destroy();
    return result;  // no HTTP/2 here: browsers use HTTP/1.1
  }
  result.h2 = true;
  result.extendedConnect = session.remoteSettings.enableConnectProtocol === true;
  const startedAt = performance.now();
  const sse = session.request({ ':path': `/v1/sse?client=${clientId('h2sse')}&sub=${doc}`, accept: 'text/event-stream', origin: cell.origin });
  sse.on('error', () => {});
  sse.setEncoding('utf8');
  let text = '';
  const welcome = new Promise((resolve) => {
    sse.on('data', (chunk) => {
      text += chunk;
      if (result.sseWelcomeMs === null && text.includes('"t":"welcome"')) {
        result.sseWelcomeMs = Math.round(performance.now() - startedAt);
        resolve();
      }
    });
  });
  await Promise.race([welcome, sleep(3000 * slowFactor)]);
  const poll = session.request({ ':path': `/v1/poll?client=${clientId('h2poll')}&sub=${doc}`, origin: cell.origin });
  poll.on('error', () => {});
  result.pollStatus = await Promise.race([
    new Promise((resolve) => poll.on('response', (headers) => resolve(headers[':status']))),
    sleep(3000 * slowFactor).then(() => null),
  ]);
  sse.close();
  poll.close();
  session.close();
  return result;
}
