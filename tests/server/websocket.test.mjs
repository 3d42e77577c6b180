// The collaboration server over WebSocket, end to end: real `tandem serve` processes, real
// WebSocket clients running the OT client state machine (tests/support/protocol_client.mjs).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TandemServer, makeTempDir, slowFactor } from '../support/tandem_process.mjs';
import { request } from '../support/http_client.mjs';
import { TestClient, prng, randomOp, signToken, textType } from '../support/protocol_client.mjs';
import { rmSync } from 'node:fs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function docState(server, id) {
  const res = await request(`${server.url}/v1/docs/${id}`);
  assert.equal(res.status, 200, res.body);
  return res.json;
}

async function connected(server, options = {}) {
  return new TestClient(server.url, options).connect();
}

describe('WebSocket collaboration', () => {
  let server;
  before(async () => { server = await TandemServer.start(); });
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
    assert.ok(a.messages.some((m) => m.t === 'ack' && m.doc === 'basic' && m.v === 0));
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
    const a = new TestClient(server.url, { client: 'resubmitter' });
    await a.connect();
    a.subscribe('once');
    await a.waitFor(() => a.docs.get('once').version === 0);
    a.edit('once', ['only once']);
    a.close();  // dropped before (or after) the ack: the client cannot know
    await sleep(200);
    const again = new TestClient(server.url, { client: 'resubmitter' });
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
    await again.waitFor(() => again.messages.filter((m) => m.t === 'ack' && m.seq === 1).length >= 1);
    await sleep(100);
    assert.deepEqual(await docState(server, 'once'), state);
    again.close();
  });

  test('edits composed offline survive and merge with concurrent edits', async () => {
    const a = new TestClient(server.url, { client: 'offline-a' });
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
    const back = new TestClient(server.url, { client: 'offline-a' });
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
      [JSON.stringify({ t: 'op', doc: 'other', v: 0, seq: 58, op: ['x'] }), 'not_subscribed'],
      [JSON.stringify({ t: 'sub', doc: 'no/slash' }), 'bad_doc_id'],
      [JSON.stringify({ t: 'op', doc: 'bad', v: 1, seq: 0, op: ['x'] }), 'bad_message'],
      ['['.repeat(100) + ']'.repeat(100), 'too_deep'],
    ];
    for (const [frame, code] of cases) {
      const count = a.errors.length;
      a.send(frame);
      await a.waitFor(() => a.errors.length > count);
      assert.equal(a.errors[count].code, code, `${frame} -> ${JSON.stringify(a.errors[count])}`);
    }
    // Invalid UTF-8 cannot even be a text frame; a binary frame is refused.
    const count = a.errors.length;
    a.ws.send(Buffer.from([0x01, 0x02]), { binary: true });
    await a.waitFor(() => a.errors.length > count);
    assert.equal(a.errors[count].code, 'bad_message');
    assert.deepEqual(await docState(server, 'bad'), before);
    a.close();
  });

  test('messages before hello are refused with hello_required', async () => {
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/v1/ws`, ['tandem.v1']);
    const received = [];
    ws.on('message', (d) => received.push(JSON.parse(d.toString())));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ t: 'sub', doc: 'x' }));
    while (received.length === 0) await sleep(10);
    assert.equal(received[0].code, 'hello_required');
    ws.terminate();
  });

  test('an unknown subprotocol is refused before the upgrade', async () => {
    await assert.rejects(connected(server, { protocol: 'chat' }), (e) => e.status === 400 && /unsupported_subprotocol/.test(e.body));
  });

  test('a plain GET on /v1/ws says the upgrade went missing', async () => {
    const res = await request(`${server.url}/v1/ws`);
    assert.equal(res.status, 426);
    assert.equal(res.json.error.code, 'upgrade_required');
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

describe('history beyond memory, retention and resync', () => {
  test('ops older than the in-memory window are read back from the store', async () => {
    const server = await TandemServer.start({ args: ['--history-window', '4'] });
    try {
      const a = await connected(server);
      a.subscribe('window');
      await a.waitFor(() => a.docs.get('window').version === 0);
      for (let i = 0; i < 20; i++) {
        a.edit('window', [i, 'x']);
        await a.waitFor(() => a.docs.get('window').synced);
      }
      const b = await connected(server);
      const doc = b.subscribe('window', 0);
      doc.version = 0;
      await b.waitFor(() => doc.version === 20);
      assert.equal(doc.text, 'x'.repeat(20));
      // A submit based on an old version is transformed through ops from the store.
      b.send({ t: 'op', doc: 'window', v: 2, seq: 1, op: [1, 'Y'] });
      await b.waitFor(() => b.messages.some((m) => m.t === 'ack' && m.seq === 1));
      const state = await docState(server, 'window');
      assert.equal(state.version, 21);
      assert.equal([...state.text].length, 21);
      a.close(); b.close();
    } finally {
      assert.equal((await server.stop()).code, 0);
    }
  });

  test('a client older than the retained history gets resync_required and a snapshot', async () => {
    const server = await TandemServer.start({
      args: ['--history-window', '2', '--snapshot-every', '5', '--retain-ops', '3'],
    });
    try {
      const a = await connected(server);
      a.subscribe('retain');
      await a.waitFor(() => a.docs.get('retain').version === 0);
      for (let i = 0; i < 12; i++) {
        a.edit('retain', [i, 'r']);
        await a.waitFor(() => a.docs.get('retain').synced);
      }
      await sleep(200);
      const b = await connected(server);
      const doc = b.subscribe('retain', 1);
      doc.version = 1;
      doc.text = 'r';
      await b.waitForError('resync_required');
      await b.waitFor(() => b.messages.some((m) => m.t === 'snapshot'));
      await b.waitFor(() => doc.version === 12);
      assert.equal(doc.text, 'r'.repeat(12));
      // An op based on a pruned version is refused the same way, and changes nothing.
      b.send({ t: 'op', doc: 'retain', v: 1, seq: 1, op: ['old'] });
      await b.waitFor(() => b.errors.filter((e) => e.code === 'resync_required').length >= 2);
      assert.equal((await docState(server, 'retain')).version, 12);
      a.close(); b.close();
    } finally {
      assert.equal((await server.stop()).code, 0);
    }
  });
});

describe('durability', () => {
  test('kill -9 during a stream of submits keeps every confirmed op (repeated)', async () => {
    const dataDir = makeTempDir();
    try {
      let confirmed = [];
      for (let round = 0; round < 8; round++) {
        const server = await TandemServer.start({ dataDir });
        const a = new TestClient(server.url, { client: `writer-${round}` });
        await a.connect();
        a.subscribe('durable');
        await a.waitFor(() => a.docs.get('durable').version !== null);
        const doc = a.docs.get('durable');
        // Everything confirmed in earlier rounds is there after the restart.
        for (const token of confirmed) assert.ok(doc.text.includes(token), `lost ${token} in round ${round}`);
        let stop = false;
        const writer = (async () => {
          for (let i = 0; !stop; i++) {
            const token = `<${round}.${i}>`;
            a.edit('durable', [[...doc.text].length, token]);
            try {
              await a.waitFor(() => !doc.inflight || a.closed, 5000);
            } catch { break; }
            if (doc.inflight) break;  // the server is gone; this op is not confirmed
            confirmed.push(token);
          }
        })();
        await sleep(100 + Math.floor(Math.random() * 300));
        server.signal('SIGKILL');
        await server.exited;
        stop = true;
        await writer;
        a.close();
      }
      const server = await TandemServer.start({ dataDir });
      const state = await docState(server, 'durable');
      for (const token of confirmed) assert.ok(state.text.includes(token), `lost ${token}`);
      assert.ok(confirmed.length > 10, `only ${confirmed.length} ops confirmed`);
      await server.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('security on the WebSocket transport', () => {
  test('a foreign Origin gets 403 before the upgrade; the own origin and listed ones pass', async () => {
    const server = await TandemServer.start({ args: ['--allow-origin', 'https://app.example.com'] });
    try {
      await assert.rejects(connected(server, { origin: 'https://evil.example' }),
        (e) => e.status === 403 && /origin_not_allowed/.test(e.body));
      await assert.rejects(connected(server, { origin: 'null' }), (e) => e.status === 403);
      (await connected(server, { origin: server.url })).close();
      (await connected(server, { origin: 'https://app.example.com' })).close();
    } finally {
      await server.stop();
    }
  });

  test('tokens: required when a secret is set, read-only cannot edit, expired is refused', async () => {
    const secret = 'a-test-secret-that-is-long-enough-for-hs256';
    const server = await TandemServer.start({ env: { TANDEM_AUTH_SECRET: secret } });
    const now = Math.floor(Date.now() / 1000);
    try {
      const anonymous = new TestClient(server.url);
      await assert.rejects(anonymous.connect());
      assert.equal(anonymous.errors[0]?.code, 'unauthorized');
      assert.equal(anonymous.closed?.code, 1008);

      const writer = await connected(server, {
        token: await signToken({ sub: 'w', name: 'Writer', exp: now + 600, docs: [{ pattern: 'team-*', access: 'write' }] }, secret),
      });
      writer.subscribe('team-notes');
      await writer.waitFor(() => writer.docs.get('team-notes').version === 0);
      writer.edit('team-notes', ['by writer']);
      await writer.waitFor(() => writer.docs.get('team-notes').synced);
      writer.subscribe('private');
      assert.equal((await writer.waitForError('forbidden')).doc, 'private');

      const reader = await connected(server, {
        token: await signToken({ sub: 'r', exp: now + 600, docs: [{ pattern: '*', access: 'read' }] }, secret),
      });
      reader.subscribe('team-notes');
      await reader.waitFor(() => reader.docs.get('team-notes').text === 'by writer');
      reader.send({ t: 'op', doc: 'team-notes', v: 1, seq: 1, op: ['nope'] });
      await reader.waitForError('read_only');
      await sleep(100);
      const bearer = await signToken({ sub: 'r', exp: now + 600, docs: [{ pattern: '*', access: 'read' }] }, secret);
      const res = await request(`${server.url}/v1/docs/team-notes`, { headers: { Authorization: `Bearer ${bearer}` } });
      assert.equal(res.json.text, 'by writer');
      assert.equal((await request(`${server.url}/v1/docs/team-notes`)).status, 401);

      const expired = new TestClient(server.url, {
        token: await signToken({ sub: 'x', exp: now - 3600, docs: [{ pattern: '*', access: 'write' }] }, secret),
      });
      await assert.rejects(expired.connect());
      assert.equal(expired.errors[0]?.code, 'unauthorized');
      const tampered = new TestClient(server.url, { token: bearer.slice(0, -2) + 'xx' });
      await assert.rejects(tampered.connect());
      writer.close(); reader.close();
    } finally {
      await server.stop();
    }
  });

  test('a slow reader is disconnected while the others keep receiving', async () => {
    const server = await TandemServer.start({ args: ['--max-outbound-bytes', '256KiB', '--ws-deflate', 'false'] });
    try {
      const writer = await connected(server);
      const fast = await connected(server);
      const slow = await connected(server);
      for (const c of [writer, fast, slow]) c.subscribe('flood');
      await Promise.all([writer, fast, slow].map((c) => c.waitFor(() => c.docs.get('flood').version === 0)));
      slow.ws._socket.pause();  // stops reading: the kernel buffers fill, then the server's queue
      // Loopback sockets buffer megabytes, so the flood must be larger than that: big inserts,
      // each deleted again so the document stays small.
      const chunk = 'z'.repeat(64 * 1024);
      for (let i = 0; i < 150; i++) {
        writer.edit('flood', [chunk]);
        writer.edit('flood', [{ d: chunk.length }]);
        await writer.waitFor(() => writer.docs.get('flood').synced, 10000 * slowFactor);
        if (/reads too slowly/.test(server.log)) break;
      }
      writer.edit('flood', ['end']);
      await writer.waitFor(() => writer.docs.get('flood').synced, 10000 * slowFactor);
      const version = writer.docs.get('flood').version;
      await fast.waitFor(() => fast.docs.get('flood').version === version, 10000 * slowFactor);
      assert.equal(fast.docs.get('flood').text, 'end');
      assert.match(server.log, /reads too slowly/);
      slow.ws._socket.resume();
      await slow.waitFor(() => slow.closed, 10000);
      assert.ok([4008, 1006].includes(slow.closed.code), `closed with ${slow.closed.code}`);
      writer.close(); fast.close();
    } finally {
      await server.stop();
    }
  });
});
