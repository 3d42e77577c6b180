// Hostile senders (issue 22, items 6 and 8): op and presence floods are rate limited with a
// retry hint, queues are bounded and refuse rather than drop, a departed flooder's queued ops are
// dropped so the server idles, SIGTERM drains without store errors, new documents per address
// are capped, and presence outside the document is refused. Real `tandem serve` processes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TandemServer, makeTempDir, slowFactor } from '../support/tandem_process.mjs';
import { request } from '../support/http_client.mjs';
import { TestClient } from '../support/protocol_client.mjs';
import { rmSync } from 'node:fs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function connected(server, options = {}) {
  return new TestClient(server.url, options).connect();
}

async function docState(server, id) {
  const res = await request(`${server.url}/v1/docs/${id}`);
  assert.equal(res.status, 200, res.body);
  return res.json;
}

// Seconds of CPU the process has used (user + system), from /proc/PID/stat.
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// Waits until the server uses less than `share` of a core over a one-second window.
async function waitUntilIdle(server, share, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let used = Infinity;
  while (Date.now() < deadline) {
    const before = cpuSeconds(server.pid);
    await sleep(1000);
    used = cpuSeconds(server.pid) - before;
    if (used < share) return used;
  }
  throw new Error(`server still busy: ${used.toFixed(2)} s of CPU in the last second`);
}

// Subscribes without the test client's OT bookkeeping: raw ops below are not tracked by it.
async function subscribeRaw(client, doc) {
  client.send({ t: 'sub', doc });
  await client.waitFor(() => client.messages.some((m) => m.t === 'snapshot' && m.doc === doc));
}

// One char inserted at the start, against version 0: every op is valid whatever came before.
const flood = (client, doc, count, firstSeq = 1) => {
  for (let seq = firstSeq; seq < firstSeq + count; seq++) {
    client.send({ t: 'op', doc, v: 0, seq, op: ['x'] });
  }
};

const answersFor = (client, doc) => {
  const acked = new Set();
  const refused = new Map();
  for (const m of client.messages) {
    if (m.doc !== doc || m.seq === undefined) continue;
    if (m.t === 'ack' || (m.t === 'op' && m.client === client.clientId)) acked.add(m.seq);
    if (m.t === 'error') refused.set(m.seq, m);
  }
  return { acked, refused };
};

describe('op floods', () => {
  test('20,000 ops at once on one WebSocket: rate_limited with retry_ms, the connection is cut, the document stays consistent and the server idles', async () => {
    const server = await TandemServer.start();
    try {
      const sender = await connected(server);
      await subscribeRaw(sender, 'flooded');
      const started = Date.now();
      flood(sender, 'flooded', 20000);
      await sender.waitFor(() => sender.closed, 30000 * slowFactor);
      const elapsed = (Date.now() - started) / 1000;
      const { acked, refused } = answersFor(sender, 'flooded');
      const limited = [...refused.values()].filter((e) => e.code === 'rate_limited');
      assert.ok(limited.length > 0, 'some ops are refused as rate_limited');
      for (const error of limited) {
        assert.ok(Number.isInteger(error.retry_ms) && error.retry_ms > 0, JSON.stringify(error));
        assert.equal(error.fatal, undefined);
      }
      // The default allowance: a burst of 200, then 100 a second.
      assert.ok(acked.size >= 1 && acked.size <= 200 + 100 * (elapsed + 1), `${acked.size} acked in ${elapsed} s`);
      for (const seq of acked) assert.ok(!refused.has(seq), `seq ${seq} both acked and refused`);
      // Refusing persistently ends in a fatal rate_limited and a closed socket.
      const fatal = sender.errors.find((e) => e.fatal);
      assert.equal(fatal?.code, 'rate_limited', JSON.stringify(fatal));
      await waitUntilIdle(server, 0.3, 15000 * slowFactor);
      // Operators see it in GET /metrics.
      const metrics = (await request(`${server.url}/metrics`)).body;
      const refusedOps = Number(/^tandem_refused_total\{reason="ops_rate_limited"\} (\d+)$/m.exec(metrics)?.[1]);
      assert.ok(refusedOps >= limited.length, `${refusedOps} < ${limited.length}`);
      const disconnects = Number(/^tandem_flood_disconnects_total (\d+)$/m.exec(metrics)?.[1]);
      assert.equal(disconnects, 1);
      const state = await docState(server, 'flooded');
      assert.equal(state.text.length, state.version);
      assert.ok(state.version >= acked.size && state.version <= acked.size + 256, `${state.version} vs ${acked.size} acked`);
      // A well-behaved client on the same address still gets through.
      const other = await connected(server);
      other.subscribe('flooded');
      await other.waitFor(() => other.docs.get('flooded').version !== null);
      other.edit('flooded', ['y']);
      await other.waitFor(() => other.docs.get('flooded').synced, 10000 * slowFactor);
      other.close();
    } finally {
      assert.equal((await server.stop()).code, 0, server.log);
    }
  });

  test('an op refused as rate_limited is applied once when resent with its seq after retry_ms', async () => {
    const server = await TandemServer.start({ args: ['--ops-per-second', '5', '--ops-burst', '2'] });
    try {
      const client = await connected(server);
      await subscribeRaw(client, 'paced');
      flood(client, 'paced', 5);
      await client.waitFor(() => {
        const { acked, refused } = answersFor(client, 'paced');
        return acked.size + refused.size === 5;
      });
      let { acked, refused } = answersFor(client, 'paced');
      // Burst 2 (one more if the server read slowly enough for a token to come back).
      assert.ok(acked.size >= 2 && acked.size <= 3 && acked.has(1) && acked.has(2), JSON.stringify([...acked]));
      assert.ok(refused.size >= 2, JSON.stringify([...refused.values()]));
      for (const error of refused.values()) assert.equal(error.code, 'rate_limited');
      const waitMs = Math.max(...[...refused.values()].map((e) => e.retry_ms));
      assert.ok(waitMs > 0 && waitMs <= 1000, `retry_ms ${waitMs}`);
      for (const seq of [...refused.keys()].sort()) {
        await sleep(250);
        client.messages = client.messages.filter((m) => !(m.t === 'error' && m.seq === seq));
        client.send({ t: 'op', doc: 'paced', v: 0, seq, op: ['x'] });
      }
      // Resending seq 1 again is a duplicate: the original ack, no second apply.
      await sleep(250);
      client.send({ t: 'op', doc: 'paced', v: 0, seq: 1, op: ['x'] });
      await client.waitFor(() => answersFor(client, 'paced').acked.size === 5, 10000 * slowFactor);
      ({ acked, refused } = answersFor(client, 'paced'));
      assert.equal(refused.size, 0, JSON.stringify([...refused.values()]));
      const state = await docState(server, 'paced');
      assert.deepEqual(state, { id: 'paced', version: 5, text: 'xxxxx' });
      client.close();
    } finally {
      assert.equal((await server.stop()).code, 0, server.log);
    }
  });

  test('the per-address bucket is shared by every connection of the address', async () => {
    const server = await TandemServer.start({ args: ['--ops-per-second', '0', '--ops-per-second-per-ip', '2'] });
    try {
      const clients = [await connected(server), await connected(server), await connected(server)];
      for (const client of clients) {
        await subscribeRaw(client, 'shared');
      }
      for (const client of clients) flood(client, 'shared', 3);
      for (const client of clients) {
        await client.waitFor(() => {
          const { acked, refused } = answersFor(client, 'shared');
          return acked.size + refused.size === 3;
        });
      }
      const acked = clients.reduce((n, c) => n + answersFor(c, 'shared').acked.size, 0);
      // Burst 4 (twice the rate) plus what refilled meanwhile; 9 without the shared bucket.
      assert.ok(acked >= 4 && acked <= 7, `${acked} acked`);
      const limited = clients.flatMap((c) => c.errors).filter((e) => e.code === 'rate_limited');
      assert.equal(limited.length, 9 - acked);
      for (const client of clients) client.close();
    } finally {
      assert.equal((await server.stop()).code, 0, server.log);
    }
  });

  test('bounded queues refuse with overloaded and a seq, never drop: every op gets an answer', async () => {
    for (const args of [['--max-pending-ops', '3'], ['--max-queued-ops-per-document', '3']]) {
      const server = await TandemServer.start({ args: ['--ops-per-second', '0', '--ops-per-second-per-ip', '0', '--threads', '1', ...args] });
      try {
        const clients = [await connected(server), await connected(server)];
        for (const client of clients) {
          await subscribeRaw(client, 'queued');
        }
        for (const [i, client] of clients.entries()) flood(client, 'queued', 300, 1 + i * 1000);
        for (const client of clients) {
          await client.waitFor(() => {
            const { acked, refused } = answersFor(client, 'queued');
            return acked.size + refused.size === 300;
          }, 20000 * slowFactor);
        }
        let acked = 0;
        let overloaded = 0;
        for (const client of clients) {
          const answers = answersFor(client, 'queued');
          acked += answers.acked.size;
          for (const error of answers.refused.values()) {
            assert.equal(error.code, 'overloaded', JSON.stringify(error));
            assert.ok(error.retry_ms > 0);
            overloaded++;
          }
        }
        assert.ok(overloaded > 0, `${args}: no op was refused`);
        const state = await docState(server, 'queued');
        assert.equal(state.version, acked, args.join(' '));
        assert.equal(state.text.length, acked);
        for (const client of clients) client.close();
      } finally {
        assert.equal((await server.stop()).code, 0, server.log);
      }
    }
  });

  test('a flooder that leaves: its queued ops are dropped and the server idles at once; acked ops stay', async () => {
    const server = await TandemServer.start({
      args: ['--ops-per-second', '0', '--ops-per-second-per-ip', '0', '--max-pending-ops', '1000000',
        '--max-queued-ops-per-document', '1000000', '--max-refusals', '0'],
    });
    try {
      const sender = await connected(server);
      await subscribeRaw(sender, 'left');
      flood(sender, 'left', 20000);
      await sender.waitFor(() => answersFor(sender, 'left').acked.size > 0, 30000 * slowFactor);
      const ackedBeforeLeaving = answersFor(sender, 'left').acked.size;
      sender.close();
      await waitUntilIdle(server, 0.3, 20000 * slowFactor);
      const state = await docState(server, 'left');
      assert.equal(state.text.length, state.version);
      assert.ok(state.version >= ackedBeforeLeaving, `${state.version} < ${ackedBeforeLeaving} acked`);
      assert.ok(state.version < 20000, 'the ops queued when the sender left were dropped');
    } finally {
      assert.equal((await server.stop()).code, 0, server.log);
    }
  });

  test('SIGTERM during a flood drains: no store errors, and what was acked is kept', async () => {
    const dataDir = makeTempDir();
    try {
      // Default limits; a short drain so a server that cannot finish is caught quickly.
      const server = await TandemServer.start({ dataDir, args: ['--shutdown-timeout', '1ms'] });
      const clients = [];
      for (let i = 0; i < 8; i++) clients.push(await connected(server));
      for (const client of clients) await subscribeRaw(client, 'drained');
      for (const [i, client] of clients.entries()) flood(client, 'drained', 3000, 1 + i * 100000);
      await clients[0].waitFor(() => answersFor(clients[0], 'drained').acked.size > 0, 30000 * slowFactor);
      const status = await server.stop();
      assert.equal(status.code, 0, server.log);
      assert.doesNotMatch(server.log, /store is closed|append .* failed|snapshot failed/, server.log);
      const acked = clients.reduce((n, c) => n + answersFor(c, 'drained').acked.size, 0);
      for (const client of clients) client.close();
      const again = await TandemServer.start({ dataDir });
      try {
        const state = await docState(again, 'drained');
        assert.equal(state.text.length, state.version);
        assert.ok(state.version >= acked, `${state.version} < ${acked} acked`);
      } finally {
        assert.equal((await again.stop()).code, 0, again.log);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('new documents per address', () => {
  test('past the cap a subscription or op to a new id gets too_many_new_docs with retry_ms; reads and existing documents do not count', async () => {
    const server = await TandemServer.start({ args: ['--new-docs-per-minute-per-ip', '3'] });
    try {
      // Reading ids that do not exist creates nothing.
      for (let i = 0; i < 10; i++) {
        assert.deepEqual(await docState(server, `read-${i}`), { id: `read-${i}`, version: 0, text: '' });
      }
      const client = await connected(server);
      for (let i = 0; i < 5; i++) client.subscribe(`new-${i}`);
      await client.waitFor(() => client.messages.filter((m) => m.t === 'snapshot' || m.code === 'too_many_new_docs').length === 5);
      const refused = client.errors.filter((e) => e.code === 'too_many_new_docs');
      assert.equal(refused.length, 2);
      for (const error of refused) {
        assert.ok(error.retry_ms > 0 && error.retry_ms <= 60000, JSON.stringify(error));
        assert.ok(error.doc.startsWith('new-'));
      }
      // The refused subscription is gone: an op to it is not_subscribed, nothing is created.
      const refusedDoc = refused[0].doc;
      client.send({ t: 'op', doc: refusedDoc, v: 0, seq: 1, op: ['x'] });
      await client.waitForError('not_subscribed');
      // Another client joining a document already created is not a creation.
      const created = client.messages.find((m) => m.t === 'snapshot').doc;
      client.edit(created, ['kept']);
      await client.waitFor(() => client.docs.get(created).synced);
      const other = await connected(server);
      other.subscribe(created);
      await other.waitFor(() => other.docs.get(created).text === 'kept');
      // Over HTTP the same cap answers in the POST result.
      const http = await new TestClient(server.url, { transport: 'poll' }).connect();
      http.send({ t: 'op', doc: 'new-over-http', v: 0, seq: 1, op: ['x'] });
      await http.waitFor(() => http.postResults.some((r) => r.code === 'too_many_new_docs'), 10000 * slowFactor);
      assert.deepEqual(await docState(server, 'new-over-http'), { id: 'new-over-http', version: 0, text: '' });
      for (const c of [client, other, http]) c.close();
    } finally {
      assert.equal((await server.stop()).code, 0, server.log);
    }
  });
});

describe('presence outside the document', () => {
  test('a selection past the end or a version ahead is refused; a valid one at an older version is moved forward', async () => {
    const server = await TandemServer.start();
    try {
      const a = await connected(server);
      const b = await connected(server);
      for (const c of [a, b]) {
        c.subscribe('cursors');
        await c.waitFor(() => c.docs.get('cursors').version === 0);
      }
      a.edit('cursors', ['hello']);
      await a.waitFor(() => a.docs.get('cursors').synced);
      a.edit('cursors', ['>> ']);
      await a.waitFor(() => a.docs.get('cursors').synced);
      await b.waitFor(() => b.docs.get('cursors').version === 2);
      b.send({ t: 'presence', doc: 'cursors', v: 7, sel: [[0, 0]] });
      const ahead = await b.waitForError('version_ahead');
      assert.equal(ahead.doc, 'cursors');
      b.send({ t: 'presence', doc: 'cursors', v: 1, sel: [[2, 9]] });  // "hello" has 5
      const past = await b.waitForError('bad_message');
      assert.match(past.message, /^sel: /);
      assert.equal(a.presence.get('cursors')?.size ?? 0, 0, 'nothing refused was broadcast');
      b.send({ t: 'presence', doc: 'cursors', v: 1, sel: [[2, 5]] });
      await a.waitFor(() => a.presence.get('cursors')?.get(b.clientId));
      const seen = a.presence.get('cursors').get(b.clientId);
      assert.equal(seen.v, 2);
      assert.deepEqual(seen.sel, [[5, 8]]);  // moved over the '>> ' inserted at v 1
      a.close();
      b.close();
    } finally {
      assert.equal((await server.stop()).code, 0, server.log);
    }
  });

  test('a presence flood is rate limited with one error per run, not one per update', async () => {
    const server = await TandemServer.start({ args: ['--presence-per-second', '5'] });
    try {
      const client = await connected(server);
      await subscribeRaw(client, 'busy-cursor');
      for (let i = 0; i < 200; i++) client.send({ t: 'presence', doc: 'busy-cursor', v: 0, sel: [[0, 0]] });
      await client.waitForError('rate_limited');
      client.send({ t: 'ping', id: 1 });
      await client.waitFor(() => client.messages.some((m) => m.t === 'pong'));
      const limited = client.errors.filter((e) => e.code === 'rate_limited');
      assert.equal(limited.length, 1);
      assert.ok(limited[0].retry_ms > 0);
      assert.equal(limited[0].seq, undefined);
      client.close();
    } finally {
      assert.equal((await server.stop()).code, 0, server.log);
    }
  });
});
