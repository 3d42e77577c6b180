// Clients on different transports (WebSocket, SSE + POST, long-poll + POST) edit one document
// at once and converge (issue #5): every transport carries the same stream of one document.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TandemServer, slowFactor } from '../support/tandem_process.mjs';
import { request } from '../support/http_client.mjs';
import { TestClient, prng, randomOp } from '../support/protocol_client.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TRANSPORTS = ['websocket', 'sse', 'poll'];

async function docState(server, id) {
  const res = await request(`${server.url}/v1/docs/${id}`);
  assert.equal(res.status, 200, res.body);
  return res.json;
}

describe('mixed transports on one document', () => {
  let server;
  before(async () => { server = await TandemServer.start({ args: ['--poll-hold', '5s'] }); });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  test('WebSocket, SSE and long-poll clients converge under concurrent random ops', async () => {
    for (let run = 0; run < 4; run++) {
      const random = prng(5000 + run);
      const id = `mixed-${run}`;
      // Two clients per transport, in an order that differs per run.
      const transports = [...TRANSPORTS, ...TRANSPORTS].sort(() => random() - 0.5);
      const clients = await Promise.all(transports.map((transport) => new TestClient(server.url, { transport }).connect()));
      for (const c of clients) c.subscribe(id);
      await Promise.all(clients.map((c) => c.waitFor(() => c.docs.get(id).version !== null, 10000 * slowFactor)));
      for (let step = 0; step < 90; step++) {
        const c = clients[Math.floor(random() * clients.length)];
        c.edit(id, randomOp(c.docs.get(id).text, random));
        if (random() < 0.3) await sleep(Math.floor(random() * 4));
      }
      await Promise.all(clients.map((c) => c.waitFor(() => c.docs.get(id).synced, 20000 * slowFactor)));
      const state = await docState(server, id);
      await Promise.all(clients.map((c) => c.waitFor(() => c.docs.get(id).version === state.version, 20000 * slowFactor)));
      for (const [i, c] of clients.entries()) {
        assert.equal(c.docs.get(id).text, state.text, `run ${run}: the ${transports[i]} client ${c.clientId} diverged`);
        assert.deepEqual(c.errors, [], `run ${run}: ${transports[i]} client errors`);
      }
      // Every client saw every other client's ops, in one order, with no gap (checked on arrival).
      const authors = new Set(clients.map((c) => c.clientId));
      for (const c of clients) {
        const seen = new Set(c.messages.filter((m) => m.t === 'op' && m.doc === id).map((m) => m.client));
        for (const author of authors) {
          const wrote = clients.find((x) => x.clientId === author).nextSeq > 1;
          if (author !== c.clientId && wrote) assert.ok(seen.has(author), `${c.clientId} never saw ${author}`);
        }
      }
      assert.ok(state.version > 10 && state.version <= 90, `version ${state.version}`);
      for (const c of clients) c.close();
    }
  });

  test('presence crosses transports', async () => {
    const ws = await new TestClient(server.url, { transport: 'websocket' }).connect();
    const sse = await new TestClient(server.url, { transport: 'sse' }).connect();
    const polling = await new TestClient(server.url, { transport: 'poll' }).connect();
    const all = [ws, sse, polling];
    for (const c of all) c.subscribe('mixed-presence');
    await Promise.all(all.map((c) => c.waitFor(() => c.docs.get('mixed-presence').version !== null)));
    ws.edit('mixed-presence', ['hello world']);
    await Promise.all(all.map((c) => c.waitFor(() => c.docs.get('mixed-presence').version === 1)));
    for (const [i, c] of all.entries()) {
      c.send({ t: 'presence', doc: 'mixed-presence', v: 1, sel: [[i, i + 1]], name: `user${i}` });
    }
    for (const c of all) {
      await c.waitFor(() => all.every((o) => o === c || c.presence.get('mixed-presence')?.get(o.clientId)), 10000 * slowFactor);
      for (const [i, o] of all.entries()) {
        if (o !== c) assert.deepEqual(c.presence.get('mixed-presence').get(o.clientId).sel, [[i, i + 1]]);
      }
    }
    for (const c of all) c.close();
  });
});

describe('an HTTP client leaving', () => {
  let server;
  // A grace far longer than the test waits: only the unsub can make the client leave in time.
  before(async () => { server = await TandemServer.start({ args: ['--poll-hold', '5s', '--downlink-grace', '120s'] }); });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  for (const transport of ['poll', 'sse']) {
    test(`a ${transport} client that posts unsub is gone for the others at once, and can come back`, async () => {
      const doc = `leave-${transport}`;
      const ws = await new TestClient(server.url, { transport: 'websocket' }).connect();
      const http = await new TestClient(server.url, { transport }).connect();
      for (const c of [ws, http]) c.subscribe(doc);
      await Promise.all([ws, http].map((c) => c.waitFor(() => c.docs.get(doc).version !== null)));
      ws.edit(doc, ['hello']);
      await http.waitFor(() => http.docs.get(doc).version === 1);
      http.send({ t: 'presence', doc, v: 1, sel: [[0, 1]], name: 'leaver' });
      await ws.waitFor(() => ws.presence.get(doc)?.has(http.clientId));

      const res = await fetch(`${server.url}/v1/send`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Tandem-Client': http.clientId },
        body: JSON.stringify([{ t: 'unsub', doc }, { t: 'unsub', doc: 'never-subscribed' }]),
      });
      assert.equal(res.status, 200);
      assert.deepEqual((await res.json()).results, [{ ok: true }, { ok: true }]);
      await ws.waitFor(() => !ws.presence.get(doc).has(http.clientId), 3000 * slowFactor);

      // The client's next downlink request starts afresh from its version and misses nothing.
      ws.edit(doc, [5, ' world']);
      await http.waitFor(() => http.docs.get(doc).text === 'hello world', 5000 * slowFactor);
      http.send({ t: 'presence', doc, v: 2, sel: [[1, 2]], name: 'back' });
      await ws.waitFor(() => ws.presence.get(doc)?.get(http.clientId)?.name === 'back', 5000 * slowFactor);
      for (const c of [ws, http]) c.close();
    });
  }
});
