// Any node answers any request (issue 17): clients on every transport whose requests go to the
// nodes in turn (a long-poll on one node, the POST on the next, the following poll on a third;
// SSE streams that end every second and resume on another node with Last-Event-ID; WebSocket
// clients that reconnect to another node every few ops), plus clients going through nginx in
// round-robin, type at once into shared documents. Afterwards every client and the store agree,
// every acknowledged op is stored exactly once and every stream's versions are contiguous.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, clusterSkipReason } from '../support/cluster.mjs';
import { prng } from '../support/protocol_client.mjs';
import { Typist, checkConvergence } from './typist.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('cluster: every transport, requests spread over the nodes', { skip: clusterSkipReason() ?? false }, () => {
  let cluster;
  before(async () => {
    cluster = await Cluster.start({ nodeArgs: ['--sse-max-lifetime', '1s'] });
  });
  after(async () => {
    Typist.closeAll();
    await cluster?.stop();
  });

  test('clients on WebSocket, SSE and long-poll alternating between nodes converge, exactly once', async () => {
    const random = prng(17);
    const nodes = () => cluster.nodeUrls();
    const viaNginx = () => [cluster.url];
    const typists = [];
    for (const doc of ['shared-a', 'shared-b']) {
      for (const transport of ['websocket', 'sse', 'poll']) {
        typists.push(new Typist(`${doc.slice(-1)}-${transport}`, transport, doc, nodes, { random, reconnectEvery: 7 }));
        typists.push(new Typist(`${doc.slice(-1)}-${transport}-lb`, transport, doc, viaNginx, { random, reconnectEvery: 7 }));
      }
    }
    await Promise.all(typists.map((t) => t.start()));
    typists.forEach((t) => t.run(40));
    await sleep(8000);
    await Promise.all(typists.map((t) => t.stop()));
    for (const doc of ['shared-a', 'shared-b']) {
      const { problems, version } = await checkConvergence(cluster, doc, typists);
      assert.deepEqual(problems, [], `${doc}:\n${problems.join('\n')}\n${cluster.logs().slice(-5000)}`);
      // Every node serves the same document.
      for (let i = 0; i < cluster.nodes.length; i++) {
        const read = await cluster.readDoc(doc, i);
        assert.equal(read.version, version, `node ${i} has ${doc} at v${read.version}, the store at v${version}`);
      }
    }
    const acked = typists.reduce((n, t) => n + t.acked.size, 0);
    console.log(`# ${acked} ops acknowledged; per typist: ${typists.map((t) => `${t.name}=${t.acked.size}`).join(' ')}`);
    for (const t of typists) {
      assert.ok(t.acked.size >= 5, `${t.name} had only ${t.acked.size} ops acknowledged`);
      // The requests really went to every node.
      if (t.bases().length > 1) assert.equal(t.served.size, cluster.nodes.length, `${t.name} used ${[...t.served.keys()]}`);
      // SSE streams end every second (sse-max-lifetime) and resume elsewhere by Last-Event-ID.
      if (t.transport === 'sse') assert.ok(t.sseResumes >= 3, `${t.name} resumed its stream ${t.sseResumes} times`);
      if (t.transport === 'websocket') assert.ok(t.reconnects >= 3, `${t.name} reconnected ${t.reconnects} times`);
    }
    for (const t of typists) t.close();
  });
});
