// The protocol conformance suite: the same cases over WebSocket, long-poll + POST and SSE + POST
// (DESIGN.md §4: every transport carries the same messages), against real `tandem serve`
// processes, with clients running the OT client state machine (tests/support/protocol_client.mjs).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TandemServer, slowFactor } from '../support/tandem_process.mjs';
import { request } from '../support/http_client.mjs';
import { TestClient, prng, randomOp } from '../support/protocol_client.mjs';

const TRANSPORTS = ['websocket', 'poll', 'sse'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function docState(server, id) {
  const res = await request(`${server.url}/v1/docs/${id}`);
  assert.equal(res.status, 200, res.body);
  return res.json;
}

for (const transport of TRANSPORTS) describe(`protocol conformance over ${transport}`, () => {
  let server;
  const connected = (srv, options = {}) => new TestClient(srv.url, { transport, ...options }).connect();
  before(async () => { server = await TandemServer.start({ args: ['--poll-hold', '5s'] }); });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  test('hello, subscribe, submit: the author gets an ack, others get the op', async () => {
    const a = await connected(server);
    const b = await connected(server);
    assert.equal(a.welcome.client, a.clientId);
    assert.match(a.welcome.server, /^tandem\//);
    a.subscribe('basic');
    b.subscribe('basic');
    await a.waitFor(() => a.docs.get('basic').version === 0);
    await b.waitFor(() => b.docs.get('basic').version === 0);
    a.edit('basic', ['héllo 😀']);
    await b.waitFor(() => b.docs.get('basic').text === 'héllo 😀');
    await a.waitFor(() => a.docs.get('basic').synced);
    // The author's confirmation: a compact ack on WebSocket, its own op on the HTTP downlinks.
    assert.ok(a.messages.some((m) => (m.t === 'ack' || (m.t === 'op' && m.client === a.clientId)) && m.doc === 'basic' && m.v === 0));
    assert.ok(b.messages.some((m) => m.t === 'op' && m.client === a.clientId && m.seq === 1));
    assert.deepEqual(await docState(server, 'basic'), { id: 'basic', version: 1, text: 'héllo 😀' });
    a.close(); b.close();
  });

  test('concurrent editors converge (random ops, many clients, several runs)', async () => {
    for (let run = 0; run < 4; run++) {
      const random = prng(1000 + run);
      const id = `converge-${run}`;
      const clients = await Promise.all(Array.from({ length: 5 }, () => connected(server)));
      for (const c of clients) c.subscribe(id);
      await Promise.all(clients.map((c) => c.waitFor(() => c.docs.get(id).version !== null)));
      for (let step = 0; step < 60; step++) {
        const c = clients[Math.floor(random() * clients.length)];
        c.edit(id, randomOp(c.docs.get(id).text, random));
        if (random() < 0.3) await sleep(1);
      }
      await Promise.all(clients.map((c) => c.waitFor(() => c.docs.get(id).synced, 20000 * slowFactor)));
      const state = await docState(server, id);
      await Promise.all(clients.map((c) => c.waitFor(() => c.docs.get(id).version === state.version, 20000 * slowFactor)));
      for (const c of clients) assert.equal(c.docs.get(id).text, state.text, `run ${run}: ${c.clientId} diverged`);
      // Edits typed while one was in flight were composed, so there are at most 60 ops.
      assert.ok(state.version > 5 && state.version <= 60, `version ${state.version}`);
      for (const c of clients) c.close();
    }
  });

  test('a resubmission after a dropped connection is applied exactly once', async () => {
    const a = new TestClient(server.url, { transport, client: `resubmitter-${transport}` });
    await a.connect();
    a.subscribe('once');
    await a.waitFor(() => a.docs.get('once').version === 0);
    a.edit('once', ['only once']);
    a.close();  // dropped before (or after) the ack: the client cannot know
    await sleep(200);
    const again = new TestClient(server.url, { transport, client: `resubmitter-${transport}` });
    again.docs = a.docs;
    again.nextSeq = a.nextSeq;
    await again.connect();
    again.resume('once');
    await again.waitFor(() => again.docs.get('once').synced);
    const state = await docState(server, 'once');
    assert.equal(state.text, 'only once');
    assert.equal(state.version, 1);
    // A third copy of the same submit, on purpose: still the original ack, never a second apply.
    again.send({ t: 'op', doc: 'once', v: 0, seq: 1, op: ['only once'] });
    if (transport === 'websocket') {
      await again.waitFor(() => again.messages.some((m) => m.t === 'ack' && m.seq === 1));
    } else {
      await again.waitFor(() => again.postResults.some((r) => r.duplicate && r.v === 0));
    }
    await sleep(100);
    assert.deepEqual(await docState(server, 'once'), state);
    again.close();
  });

  test('edits composed offline survive and merge with concurrent edits', async () => {
    const a = new TestClient(server.url, { transport, client: `offline-${transport}` });
    const b = await connected(server);
    await a.connect();
    a.subscribe('offline');
    b.subscribe('offline');
    await a.waitFor(() => a.docs.get('offline').version === 0);
    a.edit('offline', ['base']);
    await b.waitFor(() => b.docs.get('offline').text === 'base');
    a.close();
    await sleep(100);
    // Offline: several edits, the first in flight (unsent), the rest composed into the buffer.
    a.edit('offline', [4, ' one']);
    a.edit('offline', [8, ' two']);
    a.edit('offline', [' zero']);
    b.edit('offline', ['B:']);
    await b.waitFor(() => b.docs.get('offline').synced);
    const back = new TestClient(server.url, { transport, client: `offline-${transport}` });
    back.docs = a.docs;
    back.nextSeq = a.nextSeq;
    await back.connect();
    back.resume('offline');
    await back.waitFor(() => back.docs.get('offline').synced, 10000);
    const state = await docState(server, 'offline');
    await b.waitFor(() => b.docs.get('offline').version === state.version);
    assert.equal(back.docs.get('offline').text, state.text);
    assert.equal(b.docs.get('offline').text, state.text);
    for (const piece of ['B:', ' zero', 'base', ' one', ' two']) assert.ok(state.text.includes(piece), state.text);
    back.close(); b.close();
  });

  test('presence: others see name, colour and selection; gone on unsubscribe', async () => {
    const a = await connected(server);
    const b = await connected(server);
    a.subscribe('presence');
    b.subscribe('presence');
    await a.waitFor(() => a.docs.get('presence').version !== null);
    await b.waitFor(() => b.docs.get('presence').version !== null);
    a.edit('presence', ['0123456789']);
    await a.waitFor(() => a.docs.get('presence').synced);
    a.send({ t: 'presence', doc: 'presence', v: 1, sel: [[2, 5]], name: 'Ada', color: '#aa3366' });
    await b.waitFor(() => b.presence.get('presence')?.get(a.clientId));
    const seen = b.presence.get('presence').get(a.clientId);
    assert.deepEqual(seen.sel, [[2, 5]]);
    assert.equal(seen.name, 'Ada');
    assert.equal(seen.color, '#aa3366');
    // An edit before the cursor moves it for everyone.
    b.edit('presence', ['>>']);
    await b.waitFor(() => b.docs.get('presence').synced);
    const late = await connected(server);
    late.subscribe('presence');
    await late.waitFor(() => late.presence.get('presence')?.get(a.clientId));
    assert.deepEqual(late.presence.get('presence').get(a.clientId).sel, [[4, 7]]);
    a.send({ t: 'unsub', doc: 'presence' });
    await b.waitFor(() => !b.presence.get('presence').has(a.clientId));
    a.close(); b.close(); late.close();
  });

  test('bad messages get the right error code and change nothing', async () => {
    const a = await connected(server);
    a.subscribe('bad');
    await a.waitFor(() => a.docs.get('bad').version === 0);
    a.edit('bad', ['abc']);
    await a.waitFor(() => a.docs.get('bad').synced);
    const before = await docState(server, 'bad');
    const cases = [
      ['not json', 'bad_json'],
      [JSON.stringify({ t: 'nope' }), 'unknown_type'],
      [JSON.stringify({ doc: 'bad' }), 'bad_message'],
      [JSON.stringify({ t: 'op', doc: 'bad', v: 1, seq: 50 }), 'bad_message'],
      [JSON.stringify({ t: 'op', doc: 'bad', v: 1, seq: 51, op: [10, 'x'] }), 'op_past_end'],
      [JSON.stringify({ t: 'op', doc: 'bad', v: 1, seq: 52, op: [{ d: 9 }] }), 'op_past_end'],
      [JSON.stringify({ t: 'op', doc: 'bad', v: 7, seq: 53, op: ['x'] }), 'version_ahead'],
      [JSON.stringify({ t: 'op', doc: 'bad', v: 1, seq: 54, op: [-1] }), 'bad_number'],
      [JSON.stringify({ t: 'op', doc: 'bad', v: 1, seq: 55, op: [1, 2] }), 'adjacent_skips'],
      ['{"t":"op","doc":"bad","v":1,"seq":56,"op":["\\ud800"]}', 'lone_surrogate'],
      [JSON.stringify({ t: 'op', doc: 'bad', v: 1, seq: 57, op: [{ x: 1 }] }), 'bad_component'],
      [JSON.stringify({ t: 'sub', doc: 'no/slash' }), 'bad_doc_id'],
      [JSON.stringify({ t: 'op', doc: 'bad', v: 1, seq: 0, op: ['x'] }), 'bad_message'],
      ['['.repeat(100) + ']'.repeat(100), 'too_deep'],
    ];
    // Over WebSocket the ack travels in the document's stream, so an op needs a subscription;
    // over HTTP the POST answers it and any downlink subscribed to the document confirms it.
    if (transport === 'websocket') {
      cases.push([JSON.stringify({ t: 'op', doc: 'other', v: 0, seq: 58, op: ['x'] }), 'not_subscribed']);
    }
    for (const [frame, code] of cases) {
      const count = a.errors.length;
      a.send(frame);
      await a.waitFor(() => a.errors.length > count);
      assert.equal(a.errors[count].code, code, `${frame} -> ${JSON.stringify(a.errors[count])}`);
    }
    if (transport === 'websocket') {
      // Invalid UTF-8 cannot even be a text frame; a binary frame is refused.
      const count = a.errors.length;
      a.ws.send(Buffer.from([0x01, 0x02]), { binary: true });
      await a.waitFor(() => a.errors.length > count);
      assert.equal(a.errors[count].code, 'bad_message');
    }
    assert.deepEqual(await docState(server, 'bad'), before);
    a.close();
  });

  test('a subscriber from an old version catches up in order', async () => {
    const a = await connected(server);
    a.subscribe('catchup');
    await a.waitFor(() => a.docs.get('catchup').version === 0);
    for (let i = 0; i < 10; i++) {
      a.edit('catchup', [i, String(i % 10)]);
      await a.waitFor(() => a.docs.get('catchup').synced);
    }
    const b = await connected(server);
    const doc = b.subscribe('catchup', 3);
    doc.version = 3;
    doc.text = '012';
    await b.waitFor(() => doc.version === 10);
    assert.equal(doc.text, '0123456789');
    assert.deepEqual(b.messages.filter((m) => m.t === 'op').map((m) => m.v), [3, 4, 5, 6, 7, 8, 9]);
    a.close(); b.close();
  });
});

