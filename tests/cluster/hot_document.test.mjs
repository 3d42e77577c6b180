// One hot document written from all 3 nodes at once (issue 17): PostgreSQL orders it under the
// document's row lock and each node rebases its batch over what the others appended, so the
// versions are contiguous, nobody gets an error or has to resend, no transaction is rolled back
// and retried (PostgreSQL's own count), and latency stays bounded.
// The figures are printed; the bounds asserted are loose (a loaded 2-core machine), the real
// targets are measured by `tandem bench` (BENCHMARKS.md).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, clusterSkipReason } from '../support/cluster.mjs';
import { prng } from '../support/protocol_client.mjs';
import { slowFactor } from '../support/tandem_process.mjs';
import { Typist, checkConvergence, percentiles } from './typist.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PER_NODE = 8;

// Transactions committed and rolled back in the cluster's database so far.
function transactions(cluster) {
  const [[commits, rollbacks]] = cluster.sql(
    'SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = current_database()');
  return { commits: Number(commits), rollbacks: Number(rollbacks) };
}

describe('cluster: one hot document', { skip: clusterSkipReason() ?? false }, () => {
  let cluster;
  before(async () => { cluster = await Cluster.start({ nginx: false }); });
  after(async () => {
    Typist.closeAll();
    await cluster?.stop();
  });

  test(`${PER_NODE * 3} authors on 3 nodes: contiguous versions, no errors, bounded latency`, async () => {
    const random = prng(3);
    const typists = [];
    for (let node = 0; node < 3; node++) {
      const pinned = () => [cluster.nodeUrl(node)];
      for (let k = 0; k < PER_NODE; k++) {
        // Mostly WebSocket, one long-poll and one SSE author per node.
        const transport = k === 0 ? 'poll' : k === 1 ? 'sse' : 'websocket';
        const typist = new Typist(`n${node}-${transport}-${k}`, transport, 'hot', pinned, { random, resendMs: 10000 * slowFactor });
        typist.node = node;
        typists.push(typist);
      }
    }
    await Promise.all(typists.map((t) => t.start()));
    const transactionsBefore = transactions(cluster);
    const started = Date.now();
    typists.forEach((t) => t.run(250));
    await sleep(8000);
    await Promise.all(typists.map((t) => t.stop()));
    const seconds = (Date.now() - started) / 1000;
    await sleep(1000);  // PostgreSQL's statistics are flushed by each backend within a second
    const transactionsAfter = transactions(cluster);
    const commits = transactionsAfter.commits - transactionsBefore.commits;
    const rollbacks = transactionsAfter.rollbacks - transactionsBefore.rollbacks;
    const { problems, version } = await checkConvergence(cluster, 'hot', typists);
    assert.deepEqual(problems, [], problems.join('\n'));

    const acks = percentiles(typists.flatMap((t) => t.latencies));
    const sameNode = [];
    const crossNode = [];
    for (const reader of typists) {
      sameNode.push(...reader.deliveryTimes(typists.filter((a) => a.node === reader.node)));
      crossNode.push(...reader.deliveryTimes(typists.filter((a) => a.node !== reader.node)));
    }
    const same = percentiles(sameNode);
    const cross = percentiles(crossNode);
    const show = (p) => `p50 ${p.p50} ms, p95 ${p.p95} ms, p99 ${p.p99} ms, max ${p.max} ms (${p.count})`;
    console.log(`# hot document: ${version} ops in ${seconds.toFixed(1)} s (${(version / seconds).toFixed(0)} ops/s) from ${typists.length} authors on 3 nodes`);
    console.log(`# PostgreSQL: ${commits} transactions committed, ${rollbacks} rolled back`);
    console.log(`# submit to ack: ${show(acks)}`);
    console.log(`# submit to another client, same node: ${show(same)}`);
    console.log(`# submit to another client, other node: ${show(cross)}`);

    const errors = typists.flatMap((t) => t.client.errors.map((e) => `${t.name}: ${e.code} ${e.message}`));
    assert.deepEqual(errors, [], errors.join('\n'));
    const resends = typists.reduce((n, t) => n + t.resends, 0);
    assert.equal(resends, 0, `an op stayed unacknowledged for ${10 * slowFactor} s`);
    assert.ok(version >= typists.length * 5, `only ${version} ops in ${seconds} s`);
    assert.ok(cross.count > 0, 'no op crossed nodes');
    // Writers queue on the document's row lock: no transaction fails and is retried.
    assert.ok(rollbacks <= Math.max(2, commits / 100), `${rollbacks} transactions rolled back, ${commits} committed`);
    // Loose bounds, for a 2-core machine that other jobs share: a stall (a retry loop, lost bus
    // messages waiting for the 5 s head check) shows as seconds for most ops, where an idle
    // machine takes tens of milliseconds (p95 about 60 ms) and a busy one hundreds.
    assert.ok(acks.p95 < 2500 * slowFactor, `submit-to-ack p95 ${acks.p95} ms`);
    assert.ok(cross.p95 < 3000 * slowFactor, `cross-node delivery p95 ${cross.p95} ms`);
  });
});
