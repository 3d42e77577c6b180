// Presence across nodes (issue 17): a client on node A sees the names and cursors of clients on
// nodes B and C, over every transport, and sees a client leave (`gone`) when its node is killed,
// within the expiry of presence heard from other nodes (lowered here to a few seconds when the
// binary has the setting).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, clusterSkipReason, tandemSupports } from '../support/cluster.mjs';
import { TestClient } from '../support/protocol_client.mjs';
import { slowFactor } from '../support/tandem_process.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Presence from another node expires when that node stops repeating it (30 s by default).
const NODE_TTL_FLAG = '--presence-node-ttl';
const NODE_TTL_SECONDS = tandemSupports(NODE_TTL_FLAG) ? 4 : 30;

describe('cluster: presence across nodes', { skip: clusterSkipReason() ?? false }, () => {
  let cluster;
  const clients = [];
  before(async () => {
    const nodeArgs = tandemSupports(NODE_TTL_FLAG) ? [NODE_TTL_FLAG, `${NODE_TTL_SECONDS}s`] : [];
    cluster = await Cluster.start({ nginx: false, nodeArgs });
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
  });

  test('names and cursors cross nodes on every transport; a killed node\'s clients are gone within the expiry', async () => {
    // Ada on node 0 (WebSocket), Bob on node 1 (SSE), Cy on node 2 (long-poll).
    const people = [
      { name: 'Ada', client: 'ada', node: 0, transport: undefined },
      { name: 'Bob', client: 'bob', node: 1, transport: 'sse' },
      { name: 'Cy', client: 'cy', node: 2, transport: 'poll' },
    ];
    for (const p of people) {
      p.tc = new TestClient(cluster.nodeUrl(p.node), { client: p.client, transport: p.transport });
      clients.push(p.tc);
      await p.tc.connect();
      p.tc.subscribe('pres');
      await p.tc.waitFor(() => p.tc.docs.get('pres').version !== null, 15000 * slowFactor);
    }
    // Ada types, so the cursors have somewhere to be.
    people[0].tc.edit('pres', ['hello world']);
    await Promise.all(people.map((p) => p.tc.waitFor(() => p.tc.docs.get('pres').version === 1 && p.tc.docs.get('pres').synced, 15000 * slowFactor)));
    // Everyone says where they are, again every second (a live client keeps its presence).
    let alive = new Set(people);
    const announce = () => {
      people.forEach((p, i) => {
        if (alive.has(p)) p.tc.send({ t: 'presence', doc: 'pres', v: 1, sel: [[i + 1, i + 1]], name: p.name });
      });
    };
    announce();
    const refresher = setInterval(announce, 1000);
    try {
      for (const viewer of people) {
        await viewer.tc.waitFor(() => {
          const seen = viewer.tc.presence.get('pres');
          return people.every((p) => p === viewer || seen?.get(p.client)?.name === p.name);
        }, 20000 * slowFactor).catch(() => {
          throw new Error(`${viewer.name} sees ${JSON.stringify([...(viewer.tc.presence.get('pres')?.values() ?? [])])}\n${cluster.logs().slice(-4000)}`);
        });
        for (const [i, p] of people.entries()) {
          if (p === viewer) continue;
          const seen = viewer.tc.presence.get('pres').get(p.client);
          assert.deepEqual(seen.sel, [[i + 1, i + 1]], `${viewer.name} sees ${p.name}'s cursor`);
        }
      }
      // Bob's node dies; Ada and Cy see him gone within the expiry (and a margin for a busy
      // machine), and still see each other.
      const bob = people[1];
      alive = new Set(people.filter((p) => p !== bob));
      const killedAt = Date.now();
      await cluster.killNode(1);
      const limit = (NODE_TTL_SECONDS * 1000 + 10000) * slowFactor;
      for (const viewer of [people[0], people[2]]) {
        await viewer.tc.waitFor(() => !viewer.tc.presence.get('pres').has('bob'), limit)
          .catch(() => { throw new Error(`${viewer.name} still sees Bob ${limit} ms after his node died`); });
        console.log(`# ${viewer.name} saw Bob gone ${Date.now() - killedAt} ms after his node was killed`);
      }
      await sleep(1500);
      assert.equal(people[0].tc.presence.get('pres').get('cy')?.name, 'Cy', 'Ada lost Cy');
      assert.equal(people[2].tc.presence.get('pres').get('ada')?.name, 'Ada', 'Cy lost Ada');
      const gone = people[0].tc.messages.filter((m) => m.t === 'presence' && m.client === 'bob' && m.gone);
      assert.ok(gone.length >= 1, 'no gone message for Bob');
    } finally {
      clearInterval(refresher);
    }
  });
});
