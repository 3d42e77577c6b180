// `auto` negotiation, reconnection and the background WebSocket probe, over the client's real
// transports against scripted network failures (fake_network.mjs).
import nodeTest from 'node:test';
import assert from 'node:assert/strict';

// A broken client tends to wait forever; fail instead.
const test = (name, fn) => nodeTest(name, { timeout: 20000 }, fn);
import { FakeServer, fakeFetch, fakeWebSocketClass, installFakes, loadClient, sleep, until } from './fake_network.mjs';

const { connect, backoffDelay } = await loadClient();

const DEADLINES = { websocket: 400, sse: 300, poll: 1000, headStart: 100 };

function setup({ ws = () => 'ok', http = () => 'ok', options = {} } = {}) {
  const server = new FakeServer();
  const WebSocket = fakeWebSocketClass(server, ws);
  const fetch = fakeFetch(server, http);
  const restore = installFakes({ WebSocket, fetch });
  const started = Date.now();
  const client = connect({ url: 'http://fake.test', outbox: false, browserEvents: false, deadlines: DEADLINES, probeDelayMs: 60_000, ...options });
  return { server, WebSocket, fetch, client, started, done: () => { client.close(); restore(); } };
}

const connected = (client) => client.status.state === 'connected';

test('websocket that works is used, and the hello reports it', async () => {
  const t = setup();
  try {
    await until(() => connected(t.client), 2000, 'connected');
    assert.equal(t.client.status.transport, 'websocket');
    const hello = t.server.hellos.at(-1);
    assert.equal(hello.negotiation.transport, 'websocket');
    assert.deepEqual(hello.negotiation.attempts, []);
    const doc = await t.client.openDocument('notes');
    assert.equal(doc.text, '');
    assert.equal(doc.version, 0);
  } finally { t.done(); }
});

test('a refused upgrade falls back to SSE at once, not after a deadline', async () => {
  const t = setup({ ws: () => 'refused' });
  try {
    await until(() => connected(t.client), 2000, 'connected');
    const elapsed = Date.now() - t.started;
    assert.equal(t.client.status.transport, 'sse');
    assert.ok(elapsed < DEADLINES.headStart + 150, `took ${elapsed} ms`);
    const report = t.server.hellos.at(-1).negotiation;
    assert.equal(report.transport, 'sse');
    assert.equal(report.attempts[0].transport, 'websocket');
    assert.equal(report.attempts[0].outcome, 'refused');
    const attempts = t.client.diagnostics().negotiations.at(-1).attempts;
    assert.deepEqual(attempts.map((a) => `${a.transport}:${a.outcome}`), ['websocket:refused', 'sse:ok']);
  } finally { t.done(); }
});

test('a document opened at once gets the snapshot that SSE sends right behind its welcome', async () => {
  const t = setup({ ws: () => 'refused' });
  try {
    t.server.doc('early').text = 'already here';
    const doc = await t.client.openDocument('early');
    assert.equal(t.client.status.transport, 'sse');
    assert.equal(doc.text, 'already here');
    // The downlink asked for it once: no restart was needed.
    assert.equal(t.fetch.requests.filter((r) => r.kind === 'sse').length, 1);
  } finally { t.done(); }
});

test('a hung upgrade costs only the head start: SSE starts alongside and wins', async () => {
  const t = setup({ ws: () => 'hung' });
  try {
    await until(() => connected(t.client), 2000, 'connected');
    const elapsed = Date.now() - t.started;
    assert.equal(t.client.status.transport, 'sse');
    assert.ok(elapsed >= DEADLINES.headStart && elapsed < DEADLINES.websocket, `took ${elapsed} ms`);
    const attempts = t.client.diagnostics().negotiations.at(-1).attempts;
    assert.deepEqual(attempts.map((a) => `${a.transport}:${a.outcome}`), ['sse:ok', 'websocket:hung']);
    // The hello sent over SSE already said the WebSocket was pending.
    const report = t.server.hellos.at(-1).negotiation;
    assert.equal(report.attempts[0].transport, 'websocket');
    assert.equal(report.attempts[0].outcome, 'hung');
  } finally { t.done(); }
});

test('a silent socket (upgraded, no welcome) is classified silent when everything else fails too', async () => {
  const t = setup({ ws: () => 'silent', http: () => 'hung', options: { deadlines: { ...DEADLINES, poll: 300 } } });
  try {
    await until(() => t.client.diagnostics().negotiations.length > 0, 3000, 'a failed negotiation');
    const n = t.client.diagnostics().negotiations[0];
    assert.equal(n.transport, null);
    const outcomes = Object.fromEntries(n.attempts.map((a) => [a.transport, a.outcome]));
    assert.deepEqual(outcomes, { websocket: 'silent', sse: 'hung', poll: 'hung' });
    assert.equal(t.client.status.state, 'reconnecting');
  } finally { t.done(); }
});

test('a buffered SSE stream (no first event) falls back to long-poll', async () => {
  const t = setup({ ws: () => 'refused', http: (kind) => (kind === 'sse' ? 'buffered' : 'ok') });
  try {
    await until(() => connected(t.client), 3000, 'connected');
    assert.equal(t.client.status.transport, 'poll');
    const elapsed = Date.now() - t.started;
    assert.ok(elapsed < DEADLINES.sse + 250, `took ${elapsed} ms`);
    const attempts = t.client.diagnostics().negotiations.at(-1).attempts;
    assert.deepEqual(attempts.map((a) => `${a.transport}:${a.outcome}`), ['websocket:refused', 'sse:buffered', 'poll:ok']);
    const doc = await t.client.openDocument('d');
    doc.submit(['hello']);
    await until(() => doc.saved, 2000, 'saved over poll');
    assert.equal(t.server.doc('d').text, 'hello');
  } finally { t.done(); }
});

test('the negotiation report stays within the 4096 bytes the server accepts', async () => {
  const t = setup({ ws: () => 'silent', http: () => 'broken', options: { deadlines: { ...DEADLINES, poll: 200 }, backoff: { baseMs: 1, maxMs: 5 } } });
  try {
    await until(() => t.client.diagnostics().negotiations.length >= 3, 5000, 'several failed negotiations');
    const hellos = t.fetch.requests.filter((r) => r.kind === 'send').map((r) => JSON.parse(r.body)[0]);
    assert.ok(hellos.length >= 3);
    for (const hello of hellos) assert.ok(JSON.stringify(hello.negotiation).length < 4096);
    // The long failure of SSE's hello was reported, cut short.
    assert.ok(hellos.some((h) => h.negotiation.attempts.some((a) => a.transport === 'sse' && a.detail.length === 160)));
  } finally { t.done(); }
});

test('a forced transport is the only one tried', async () => {
  const t = setup({ options: { transport: 'poll' } });
  try {
    await until(() => connected(t.client), 2000, 'connected');
    assert.equal(t.client.status.transport, 'poll');
    assert.equal(t.WebSocket.instances.length, 0);
  } finally { t.done(); }
});

test('over HTTP an op refused as rate_limited is kept and resent with its seq after retry_ms', async () => {
  let limitedSends = 0;
  const t = setup({
    options: { transport: 'poll' },
    http: (kind) => {
      if (kind !== 'send') return 'ok';
      return limitedSends-- > 0 ? 'limited' : 'ok';
    },
  });
  try {
    await until(() => connected(t.client), 2000, 'connected');
    const doc = await t.client.openDocument('limited');
    limitedSends = 1;
    doc.submit(['kept']);
    await until(() => t.fetch.requests.some((r) => r.kind === 'send' && r.mode === 'limited'), 2000, 'a refused send');
    const refusedAt = Date.now();
    await until(() => doc.saved, 5000, 'the op confirmed');
    const waited = Date.now() - refusedAt;
    assert.ok(waited >= 150 && waited < 900, `resent after ${waited} ms`);
    const ops = t.fetch.requests.filter((r) => r.kind === 'send').flatMap((r) => JSON.parse(r.body)).filter((m) => m.t === 'op');
    assert.deepEqual(ops.map((m) => m.seq), [1, 1]);
    assert.equal(t.server.doc('limited').text, 'kept');
  } finally { t.done(); }
});

test('the verdict is remembered per server and used first on the next load', async () => {
  const store = new Map();
  globalThis.localStorage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, String(v)), removeItem: (k) => store.delete(k) };
  try {
    const first = setup({ ws: () => 'refused' });
    await until(() => connected(first.client), 2000, 'connected');
    first.done();
    assert.match(store.get('tandem.verdict:http://fake.test'), /"transport":"sse"/);
    const second = setup({ ws: () => 'ok' });
    try {
      await until(() => connected(second.client), 2000, 'connected');
      assert.equal(second.client.status.transport, 'sse');
      assert.equal(second.WebSocket.instances.length, 0, 'no WebSocket on the way in');
    } finally { second.done(); }
    // An expired verdict is ignored.
    store.set('tandem.verdict:http://fake.test', JSON.stringify({ transport: 'poll', expires: Date.now() - 1 }));
    const third = setup();
    try {
      await until(() => connected(third.client), 2000, 'connected');
      assert.equal(third.client.status.transport, 'websocket');
    } finally { third.done(); }
  } finally { delete globalThis.localStorage; }
});

test('the background probe moves back up to WebSocket without losing or duplicating an op', async () => {
  let wsWorks = false;
  const t = setup({ ws: () => (wsWorks ? 'ok' : 'refused'), options: { probeDelayMs: 150 } });
  try {
    await until(() => connected(t.client), 2000, 'connected');
    assert.equal(t.client.status.transport, 'sse');
    const doc = await t.client.openDocument('up');
    doc.submit(['abc']);
    wsWorks = true;
    // Typing goes on while the probe succeeds and the client switches.
    for (let i = 0; i < 20; i++) { doc.submit([doc.text.length, String(i % 10)]); await sleep(15); }
    await until(() => t.client.status.transport === 'websocket', 3000, 'moved up');
    doc.submit([doc.text.length, '!']);
    await until(() => doc.saved, 2000, 'saved');
    assert.equal(t.server.doc('up').text, doc.text);
    assert.equal(doc.text, 'abc01234567890123456789'.slice(0, 3 + 20) + '!');
    assert.ok(t.client.diagnostics().probes.some((p) => p.transport === 'websocket'));
    assert.equal(t.client.diagnostics().reconnects, 0, 'a move up is not a reconnect');
  } finally { t.done(); }
});

test('reconnection resumes from versions and resends the op in flight exactly once', async () => {
  const t = setup({ options: { backoff: { baseMs: 20, maxMs: 100 } } });
  try {
    const doc = await t.client.openDocument('r');
    await until(() => connected(t.client), 2000, 'connected');
    doc.submit(['one ']);
    await until(() => doc.saved, 2000, 'saved');
    // The op reaches the server but the connection drops before its ack comes back.
    const socket = t.WebSocket.instances.at(-1);
    const realSend = socket.send.bind(socket);
    socket.send = (text) => { realSend(text); if (JSON.parse(text).t === 'op') socket.drop(); };
    doc.submit([4, 'two']);
    await until(() => t.client.status.state === 'reconnecting' || t.WebSocket.instances.length > 1, 2000, 'dropped');
    await until(() => connected(t.client) && doc.saved, 3000, 'reconnected and saved');
    assert.equal(t.server.doc('r').text, 'one two');
    assert.equal(doc.text, 'one two');
    assert.equal(t.server.submits.filter((s) => !s.duplicate).length, 2);
    assert.equal(t.client.diagnostics().reconnects, 1);
  } finally { t.done(); }
});

test('a connection that goes quiet is found dead by the heartbeat and replaced', async () => {
  const t = setup({ options: { backoff: { baseMs: 10, maxMs: 50 } } });
  t.server.heartbeatMs = 200;
  try {
    const doc = await t.client.openDocument('hb');
    const first = t.WebSocket.instances.at(-1);
    first.mute();
    doc.submit(['still here']);
    await until(() => t.WebSocket.instances.length > 1 && connected(t.client) && doc.saved, 5000, 'replaced and saved');
    assert.ok(first.sent.some((m) => m.t === 'ping'), 'a ping went out');
    assert.match(t.client.diagnostics().lastFailure, /no answer to a ping within 200 ms/);
    assert.equal(t.server.doc('hb').text, 'still here');
  } finally { t.done(); }
});

test('WebSockets cut twice after the same silence (a proxy read timeout) make heartbeats go out within it', async () => {
  const t = setup({ options: { backoff: { baseMs: 10, maxMs: 50 } } });
  try {
    await until(() => connected(t.client), 2000, 'connected');
    for (let cut = 0; cut < 2; cut++) {
      const socket = t.WebSocket.instances.at(-1);
      await sleep(2300);
      assert.equal(socket.sent.filter((m) => m.t === 'ping').length, 0, 'no ping before the server\'s 20 s interval');
      socket.drop();
      await until(() => t.WebSocket.instances.at(-1) !== socket && connected(t.client), 3000, 'reconnected');
    }
    const diagnostics = t.client.diagnostics();
    assert.ok(diagnostics.idleTimeoutMs >= 2200 && diagnostics.idleTimeoutMs <= 2700, `learned ${diagnostics.idleTimeoutMs} ms`);
    assert.ok(diagnostics.heartbeatMs < 2000, `heartbeat ${diagnostics.heartbeatMs} ms`);
    const kept = t.WebSocket.instances.at(-1);
    await sleep(2300);
    assert.ok(kept.sent.some((m) => m.t === 'ping'), 'a ping went out before the proxy would cut');
    assert.equal(diagnostics.reconnects, 2);
  } finally { t.done(); }
});

test('full-jitter backoff stays within 0..min(30 s, 0.5 s * 2^n) and honours Retry-After', () => {
  for (let attempt = 0; attempt < 12; attempt++) {
    const ceiling = Math.min(30_000, 500 * 2 ** attempt);
    assert.equal(backoffDelay(attempt, undefined, () => 0), 0);
    assert.equal(backoffDelay(attempt, undefined, () => 0.999999), ceiling * 0.999999);
    const d = backoffDelay(attempt);
    assert.ok(d >= 0 && d <= ceiling);
  }
  assert.equal(backoffDelay(0, undefined, () => 0.5, 2000), 2000);
  assert.equal(backoffDelay(10, undefined, () => 1, 2000), 30_000);
});

test('Retry-After from a shedding server delays the next attempt', async () => {
  let refuse = true;
  const t = setup({ ws: () => 'refused', http: () => (refuse ? 'refused' : 'ok'), options: { transport: 'poll', backoff: { baseMs: 10, maxMs: 50 } } });
  try {
    await until(() => t.client.diagnostics().negotiations.length > 0, 2000, 'first failure');
    refuse = false;
    const failedAt = Date.now();
    await until(() => connected(t.client), 5000, 'connected');
    const waited = Date.now() - failedAt;
    assert.ok(waited >= 1800, `reconnected after ${waited} ms despite Retry-After: 2`);
  } finally { t.done(); }
});

test('a token function is asked again at each connection: an expired token is replaced', async () => {
  let issued = 0;
  const t = setup({ options: { token: async () => `token-${++issued}` } });
  try {
    await until(() => connected(t.client), 2000, 'connected');
    assert.equal(t.server.hellos.at(-1).token, 'token-1');
    const doc = await t.client.openDocument('renewed');
    // The server ends the session when the token expires: a fatal unauthorized, then 1008.
    const socket = t.WebSocket.instances.at(-1);
    socket.onmessage({ data: JSON.stringify({ t: 'error', code: 'unauthorized', message: 'the access token has expired', fatal: true }) });
    socket.drop(1008);
    await until(() => t.server.hellos.length >= 2 && connected(t.client), 5000, 'reconnected');
    assert.equal(t.server.hellos.at(-1).token, 'token-2');
    assert.equal(doc.version, 0);
  } finally { t.done(); }
});
