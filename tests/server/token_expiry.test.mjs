// Token expiry and renewal on every transport (issue 22 items 1, 2 and 7): a connection loses
// its access when its token expires, whatever it sends or doesn't; one rule (exp plus 30 s of
// clock skew) everywhere; a WebSocket renews with a second hello; Authorization: Bearer on the
// upgrade counts.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TandemServer, slowFactor } from '../support/tandem_process.mjs';
import { TestClient, signToken } from '../support/protocol_client.mjs';
import { SseConnection, poll, send } from '../support/http_transport.mjs';

const secret = 'a-test-secret-that-is-long-enough-for-hs256';
const skewSeconds = 30;  // security::kClockSkew
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowSeconds = () => Math.floor(Date.now() / 1000);
const op = (doc, v, seq, ops) => ({ t: 'op', doc, v, seq, op: ops });

// A token whose effective end (exp + skew) is `seconds` from now, and that end in ms.
async function shortToken(seconds, docs = [{ pattern: '*', access: 'write' }]) {
  const exp = nowSeconds() + seconds - skewSeconds;
  return { token: await signToken({ sub: 'short', exp, docs }, secret), endsAt: (exp + skewSeconds) * 1000 };
}
const longToken = (docs = [{ pattern: '*', access: 'write' }]) =>
  signToken({ sub: 'long', exp: nowSeconds() + 600, docs }, secret);

// Ends must come at the token's end: not before it (1 s for clock granularity), and not long
// after it (generous on a loaded machine).
function assertEndedNear(endedAt, endsAt, what) {
  assert.ok(endedAt >= endsAt - 1000, `${what} ended ${endsAt - endedAt} ms before the token's end`);
  assert.ok(endedAt <= endsAt + 8000 * slowFactor, `${what} ended ${endedAt - endsAt} ms after the token's end`);
}

describe('token expiry on an open connection', () => {
  let server;
  before(async () => {
    server = await TandemServer.start({ env: { TANDEM_AUTH_SECRET: secret }, args: ['--poll-hold', '60s'] });
  });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  test('a silent WebSocket subscriber gets a fatal unauthorized and close 1008 when its token expires', async () => {
    const writer = await new TestClient(server.url, { token: await longToken() }).connect();
    const { token, endsAt } = await shortToken(3);
    const reader = await new TestClient(server.url, { token }).connect();
    for (const c of [writer, reader]) c.subscribe('ws-expiry');
    await reader.waitFor(() => reader.docs.get('ws-expiry').version === 0);
    await writer.waitFor(() => writer.docs.get('ws-expiry').version === 0);
    // The reader sends nothing more; the writer keeps writing past the reader's end.
    let writing = true;
    const writes = (async () => {
      while (writing) {
        writer.edit('ws-expiry', ['x']);
        await writer.waitFor(() => writer.docs.get('ws-expiry').synced, 10000 * slowFactor);
        await sleep(200);
      }
    })();
    await reader.waitFor(() => reader.closed, 20000 * slowFactor);
    const endedAt = Date.now();
    writing = false;
    await writes;
    assertEndedNear(endedAt, endsAt, 'the WebSocket');
    const error = reader.errors.find((e) => e.code === 'unauthorized');
    assert.ok(error, JSON.stringify(reader.errors));
    assert.equal(error.fatal, true);
    assert.equal(reader.closed.code, 1008);
    // Nothing after the error: the last message is the error itself.
    assert.equal(reader.messages.at(-1).t, 'error');
    writer.close();
  });

  test('an SSE stream ends with a fatal unauthorized event at the token\'s end', async () => {
    const { token, endsAt } = await shortToken(3, [{ pattern: '*', access: 'read' }]);
    const sse = await SseConnection.open(server.url, 'sse-expiry', ['sse-expiry'], { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(sse.status, 200);
    await sse.waitEnded(20000 * slowFactor);
    assertEndedNear(Date.now(), endsAt, 'the SSE stream');
    const last = sse.messages.at(-1);
    assert.equal(last.t, 'error');
    assert.equal(last.code, 'unauthorized');
    assert.equal(last.fatal, true);
  });

  test('a held poll is answered with 401 unauthorized at the token\'s end', async () => {
    const { token, endsAt } = await shortToken(3, [{ pattern: '*', access: 'read' }]);
    const headers = { Authorization: `Bearer ${token}` };
    const first = await poll(server.url, 'poll-expiry', ['poll-expiry'], { headers });
    assert.equal(first.status, 200);
    assert.equal(first.messages[0].t, 'snapshot');
    const held = await poll(server.url, 'poll-expiry', ['poll-expiry@0'], { headers });
    assertEndedNear(Date.now(), endsAt, 'the held poll');
    assert.equal(held.status, 401, held.body);
    assert.equal(held.json.error.code, 'unauthorized');
  });

  test('a second hello with a fresh token renews: welcome again, the connection outlives the old token', async () => {
    const writer = await new TestClient(server.url, { token: await longToken() }).connect();
    const { token, endsAt } = await shortToken(3);
    const client = await new TestClient(server.url, { token }).connect();
    for (const c of [writer, client]) c.subscribe('renewed');
    await client.waitFor(() => client.docs.get('renewed').version === 0);
    client.send({ t: 'hello', client: client.clientId, token: await longToken() });
    await client.waitFor(() => client.messages.filter((m) => m.t === 'welcome').length === 2);
    await sleep(Math.max(0, endsAt - Date.now()) + 2000 * slowFactor);
    assert.equal(client.closed, null, JSON.stringify(client.errors));
    writer.edit('renewed', ['still here']);
    await client.waitFor(() => client.docs.get('renewed').text === 'still here', 10000 * slowFactor);
    client.edit('renewed', ['!']);
    await client.waitFor(() => client.docs.get('renewed').synced, 10000 * slowFactor);
    assert.equal(client.errors.length, 0, JSON.stringify(client.errors));
    writer.close(); client.close();
  });

  test('a renewal that no longer grants a document ends that subscription with forbidden', async () => {
    const client = await new TestClient(server.url, { token: await longToken() }).connect();
    client.subscribe('team-kept');
    client.subscribe('secret-dropped');
    await client.waitFor(() => client.docs.get('team-kept').version === 0 && client.docs.get('secret-dropped').version === 0);
    client.send({ t: 'hello', client: client.clientId, token: await longToken([{ pattern: 'team-*', access: 'write' }]) });
    assert.equal((await client.waitForError('forbidden')).doc, 'secret-dropped');
    const writer = await new TestClient(server.url, { token: await longToken() }).connect();
    writer.subscribe('secret-dropped');
    await writer.waitFor(() => writer.docs.get('secret-dropped').version === 0);
    writer.edit('secret-dropped', ['hidden']);
    await writer.waitFor(() => writer.docs.get('secret-dropped').synced);
    client.edit('team-kept', ['ok']);
    await client.waitFor(() => client.docs.get('team-kept').synced);
    await sleep(300);
    assert.equal(client.docs.get('secret-dropped').text, '', 'ops of a document no longer granted still arrive');
    assert.equal(client.closed, null);
    writer.close(); client.close();
  });

  test('a renewal with a bad token is fatal (unauthorized, 1008)', async () => {
    const client = await new TestClient(server.url, { token: await longToken() }).connect();
    client.send({ t: 'hello', client: client.clientId, token: 'not.a.token' });
    await client.waitFor(() => client.closed, 10000 * slowFactor);
    assert.equal(client.closed.code, 1008);
    assert.equal(client.errors.at(-1).code, 'unauthorized');
  });
});

describe('one expiry rule: exp plus 30 s, everywhere', () => {
  let server;
  before(async () => { server = await TandemServer.start({ env: { TANDEM_AUTH_SECRET: secret } }); });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  test('a token 10 s past exp still works on WebSocket, poll, SSE and send', async () => {
    const token = await signToken({ sub: 'late', exp: nowSeconds() - 10, docs: [{ pattern: '*', access: 'write' }] }, secret);
    const headers = { Authorization: `Bearer ${token}` };
    const ws = await new TestClient(server.url, { token }).connect();
    ws.subscribe('grace');
    await ws.waitFor(() => ws.docs.get('grace').version === 0);
    ws.edit('grace', ['ws']);
    await ws.waitFor(() => ws.docs.get('grace').synced);
    assert.equal(ws.errors.length, 0, JSON.stringify(ws.errors));
    const sent = await send(server.url, 'late-http', [op('grace', 1, 1, ['http '])], { headers });
    assert.deepEqual(sent.json.results, [{ ok: true, v: 1 }]);
    const polled = await poll(server.url, 'late-poll', ['grace'], { headers });
    assert.equal(polled.status, 200);
    assert.deepEqual(polled.messages, [{ t: 'snapshot', doc: 'grace', v: 2, text: 'http ws' }]);
    const sse = await SseConnection.open(server.url, 'late-sse', ['grace'], { headers });
    await sse.waitFor((s) => s.messages.some((m) => m.t === 'snapshot'), 5000 * slowFactor, 'the snapshot');
    assert.ok(!sse.messages.some((m) => m.t === 'error'), JSON.stringify(sse.messages));
    sse.destroy(); ws.close();
  });

  test('a token 31 s past exp is refused everywhere', async () => {
    const token = await signToken({ sub: 'gone', exp: nowSeconds() - 31, docs: [{ pattern: '*', access: 'write' }] }, secret);
    const headers = { Authorization: `Bearer ${token}` };
    const ws = new TestClient(server.url, { token });
    await assert.rejects(ws.connect());
    assert.equal(ws.errors[0]?.code, 'unauthorized');
    assert.equal((await send(server.url, 'gone', [op('grace-2', 0, 1, ['x'])], { headers })).status, 401);
    assert.equal((await poll(server.url, 'gone', ['grace-2'], { headers })).status, 401);
  });
});

describe('Authorization: Bearer on the WebSocket upgrade', () => {
  test('is used when the hello has no token', async () => {
    const server = await TandemServer.start({ env: { TANDEM_AUTH_SECRET: secret } });
    try {
      const token = await longToken([{ pattern: 'team-*', access: 'write' }]);
      const client = await new TestClient(server.url, { headers: { Authorization: `Bearer ${token}` } }).connect();
      client.subscribe('team-bearer');
      await client.waitFor(() => client.docs.get('team-bearer').version === 0);
      client.edit('team-bearer', ['via header']);
      await client.waitFor(() => client.docs.get('team-bearer').synced);
      client.subscribe('private');
      assert.equal((await client.waitForError('forbidden')).doc, 'private');
      client.close();
    } finally {
      await server.stop();
    }
  });
});
