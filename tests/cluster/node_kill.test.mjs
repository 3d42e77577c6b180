// kill -9 of a node under load, round after round (issue 17): every op any client saw
// acknowledged is in PostgreSQL exactly once afterwards, and the clients of the killed node go on
// on the other nodes (WebSocket clients reconnect to the next node and resend the op in flight;
// HTTP clients send their next request to the next node) with nothing lost.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, clusterSkipReason } from '../support/cluster.mjs';
import { prng } from '../support/protocol_client.mjs';
import { Typist, checkConvergence } from './typist.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ROUNDS = 20;

describe('cluster: kill -9 of a node under load', { skip: clusterSkipReason() ?? false }, () => {
  let cluster;
  before(async () => { cluster = await Cluster.start({ nginx: false }); });
  after(async () => {
    Typist.closeAll();
    await cluster?.stop();
  });

  test(`${ROUNDS} rounds: every acknowledged op stored exactly once, the killed node's clients go on elsewhere`, async () => {
    const random = prng(20);
    // The nodes each client uses, in turn; a killed node refuses and the next one answers.
    const nodes = () => cluster.nodeUrls();
    const typists = [];
    const docs = ['kill-a', 'kill-b'];
    for (const doc of docs) {
      for (const transport of ['websocket', 'websocket', 'sse', 'poll']) {
        typists.push(new Typist(`${doc.slice(-1)}-${transport}-${typists.length}`, transport, doc, nodes, { random, resendMs: 1500 }));
      }
    }
    await Promise.all(typists.map((t) => t.start()));
    typists.forEach((t) => t.run(30));
    const ackedBefore = new Map();
    for (let round = 0; round < ROUNDS; round++) {
      await sleep(300 + Math.floor(random() * 500));
      const victim = Math.floor(random() * cluster.nodes.length);
      for (const t of typists) ackedBefore.set(t, t.acked.size);
      await cluster.killNode(victim);
      await sleep(200 + Math.floor(random() * 300));
      await cluster.restartNode(victim);
    }
    await sleep(1000);
    await Promise.all(typists.map((t) => t.stop()));
    for (const doc of docs) {
      const { problems, version } = await checkConvergence(cluster, doc, typists);
      assert.deepEqual(problems, [], `${doc}:\n${problems.join('\n')}`);
      console.log(`# ${doc}: ${version} ops stored`);
    }
    console.log(`# per typist (acked/resends/reconnects): ${typists.map((t) => `${t.name}=${t.acked.size}/${t.resends}/${t.reconnects}`).join(' ')}`);
    for (const t of typists) {
      // Still typing after the last kill: the client went on.
      assert.ok(t.acked.size > ackedBefore.get(t), `${t.name} stopped after the last kill`);
    }
    // WebSocket clients were on killed nodes and moved.
    const moved = typists.filter((t) => t.transport === 'websocket').reduce((n, t) => n + t.reconnects, 0);
    assert.ok(moved >= 5, `WebSocket clients reconnected only ${moved} times`);
  });
});
