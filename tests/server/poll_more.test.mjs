// What X-Tandem-More promises (docs/protocol.md §12.5): 0 means the answer holds every snapshot
// the poll asked for and everything pending; a poll of many new documents whose snapshots come
// from several loops says 1 until the last of them has been handed out (issue 22, item 8).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TandemServer } from '../support/tandem_process.mjs';
import { poll } from '../support/http_transport.mjs';

describe('X-Tandem-More on a poll of many documents', () => {
  let server;
  before(async () => { server = await TandemServer.start({ args: ['--threads', '2'] }); });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  for (const round of [1, 2, 3]) {
    test(`More: 0 comes only with every snapshot asked for (64 new documents, round ${round})`, async () => {
      const docs = Array.from({ length: 64 }, (_, i) => `more-${round}-${i}`);
      const versions = new Map();
      for (let polls = 0; polls < 100; polls++) {
        const subs = docs.map((doc) => (versions.has(doc) ? `${doc}@${versions.get(doc)}` : doc));
        const res = await poll(server.url, `more${round}`, subs);
        assert.equal(res.status, 200, res.body);
        for (const message of res.messages) {
          if (message.t === 'snapshot') versions.set(message.doc, message.v);
        }
        if (!res.more) {
          assert.equal(versions.size, docs.length,
            `More: 0 after ${polls + 1} poll(s) with ${versions.size} of ${docs.length} snapshots`);
          return;
        }
      }
      assert.fail('More: 1 for 100 polls');
    });
  }
});
