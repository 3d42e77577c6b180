// Redis and PostgreSQL failing under load (issue 17, docs/scaling.md "Failures"). Redis killed:
// every node keeps serving, ops still cross nodes (each node polls the heads of its documents),
// and the bus comes back by itself when Redis does. PostgreSQL stopped: /readyz fails on every
// node, submits are refused as retryable and clients keep them; once it is back, everything
// converges and nothing acknowledged is lost.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, clusterSkipReason } from '../support/cluster.mjs';
import { prng } from '../support/protocol_client.mjs';
import { send } from '../support/http_transport.mjs';
import { Typist, checkConvergence } from './typist.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Two WebSocket authors pinned to each node, plus an SSE and a long-poll author going round.
function makeTypists(cluster, doc, random) {
  const typists = [];
  for (let node = 0; node < cluster.nodes.length; node++) {
    for (let k = 0; k < 2; k++) {
      const typist = new Typist(`${doc}-n${node}-${k}`, 'websocket', doc, () => [cluster.nodeUrl(node)], { random, resendMs: 1500 });
      typist.node = node;
      typists.push(typist);
    }
  }
  typists.push(new Typist(`${doc}-sse`, 'sse', doc, () => cluster.nodeUrls(), { random, resendMs: 1500 }));
  typists.push(new Typist(`${doc}-poll`, 'poll', doc, () => cluster.nodeUrls(), { random, resendMs: 1500 }));
  return typists;
}

describe('cluster: Redis and PostgreSQL failures', { skip: clusterSkipReason() ?? false }, () => {
  let cluster;
  before(async () => { cluster = await Cluster.start({ nginx: false }); });
  after(async () => {
    Typist.closeAll();
    await cluster?.stop();
  });

  test('Redis killed and restarted under load: ops still cross nodes, convergence, nothing lost', async () => {
    const random = prng(6379);
    const typists = makeTypists(cluster, 'redis-down', random);
    await Promise.all(typists.map((t) => t.start()));
    typists.forEach((t) => t.run(60));
    await sleep(1500);
    await cluster.killRedis();
    // While Redis is down, a client on node 0 still receives ops typed on nodes 1 and 2.
    const watcher = typists.find((t) => t.node === 0);
    const others = typists.filter((t) => t.node !== undefined && t.node !== 0);
    const crossedBefore = watcher.deliveryTimes(others).length;
    await sleep(4000);
    const crossedDuring = watcher.deliveryTimes(others).length - crossedBefore;
    // Every node noticed, and comes back to the bus by itself once Redis is back.
    for (const n of cluster.nodes) await cluster.waitMetric(n.index, 'tandem_bus_connected', (v) => v === 0);
    await cluster.restartRedis();
    for (const n of cluster.nodes) await cluster.waitMetric(n.index, 'tandem_bus_connected', (v) => v === 1);
    for (const n of cluster.nodes) assert.ok(await cluster.metric(n.index, 'tandem_bus_reconnects_total') >= 1);
    await sleep(3000);
    await Promise.all(typists.map((t) => t.stop()));
    const { problems, version } = await checkConvergence(cluster, 'redis-down', typists);
    assert.deepEqual(problems, [], problems.join('\n'));
    console.log(`# Redis down 4 s: ${crossedDuring} ops from nodes 1 and 2 reached a client on node 0 meanwhile; ${version} ops in all`);
    assert.ok(crossedDuring > 0, 'no op crossed nodes while Redis was down');
    for (let i = 0; i < cluster.nodes.length; i++) assert.ok(cluster.isUp(i), `node ${i} exited:\n${cluster.logs()}`);
  });

  test('PostgreSQL stopped and restarted under load: /readyz fails meanwhile, convergence, nothing acked lost', async () => {
    const random = prng(5432);
    const typists = makeTypists(cluster, 'pg-down', random);
    await Promise.all(typists.map((t) => t.start()));
    typists.forEach((t) => t.run(60));
    await sleep(1500);
    await cluster.stopPostgres();
    const down = await Promise.all(cluster.nodes.map((n) => cluster.waitReady(n.index, 503)));
    for (const res of down) assert.ok(res.json.failing.some((f) => f.check === 'store'), res.body);
    // The outage is counted once per node, and shown as a gauge, whatever the failed calls.
    for (const n of cluster.nodes) await cluster.waitMetric(n.index, 'tandem_store_reachable', (v) => v === 0);
    // An op POSTed now is refused as retryable, in the result and in the Retry-After header.
    const probe = await send(cluster.nodeUrl(0), 'retry-probe', [{ t: 'op', doc: 'pg-down', v: 0, seq: 1, op: ['x'] }]);
    assert.equal(probe.status, 200, probe.body);
    const [refused] = probe.json.results;
    assert.equal(refused.ok, false, probe.body);
    assert.ok(refused.retry_ms > 0, probe.body);
    assert.equal(probe.headers['retry-after'], String(Math.ceil(refused.retry_ms / 1000)));
    await sleep(2000);
    await cluster.startPostgres();
    await Promise.all(cluster.nodes.map((n) => cluster.waitReady(n.index, 200)));
    for (const n of cluster.nodes) {
      await cluster.waitMetric(n.index, 'tandem_store_reachable', (v) => v === 1);
      assert.equal(await cluster.metric(n.index, 'tandem_store_outages_total'), 1);
      const log = n.server.log;
      assert.equal(log.match(/store: PostgreSQL is unreachable/g)?.length, 1, log);
      assert.equal(log.match(/store: PostgreSQL answers again/g)?.length, 1, log);
    }
    await sleep(3000);
    await Promise.all(typists.map((t) => t.stop()));
    const { problems, version } = await checkConvergence(cluster, 'pg-down', typists);
    assert.deepEqual(problems, [], problems.join('\n'));
    // Refusals while the database was down are retryable; nothing else went wrong.
    const codes = new Set(typists.flatMap((t) => t.client.errors.map((e) => e.code)));
    console.log(`# PostgreSQL down: ${version} ops in all; error codes clients saw: ${[...codes].join(', ') || 'none'}`);
    for (const t of typists) assert.ok(t.acked.size > 0, `${t.name} got nothing acknowledged`);
    // Over WebSocket a refusal says when to resend (over HTTP: retry_ms in the result and a
    // Retry-After header, checked above).
    const final = typists.filter((t) => t.transport === 'websocket')
      .flatMap((t) => t.client.errors.filter((e) => e.retry_ms === undefined).map((e) => `${t.name}: ${JSON.stringify(e)}`));
    assert.deepEqual(final, [], 'refusals without retry_ms while PostgreSQL was down');
    for (let i = 0; i < cluster.nodes.length; i++) assert.ok(cluster.isUp(i), `node ${i} exited:\n${cluster.logs()}`);
  });
});
