// `tandem serve --store postgres://...` end to end: a throwaway PostgreSQL server
// (tests/support/postgres.mjs), real tandem processes, WebSocket clients. Every op acked before
// a kill -9 is there after a restart on the same database, even with a fresh --data directory
// (the documents live in PostgreSQL only).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TandemServer, runTandem, slowFactor } from '../support/tandem_process.mjs';
import { request } from '../support/http_client.mjs';
import { TestClient } from '../support/protocol_client.mjs';
import { PostgresServer, postgresUnavailable } from '../support/postgres.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const unavailable = postgresUnavailable();

describe('PostgreSQL store', { skip: unavailable ?? false }, () => {
  let postgres;
  before(async () => { postgres = await PostgresServer.start(); });
  after(async () => { await postgres?.stop(); });

  test('kill -9 during a stream of submits keeps every acked op (repeated, fresh --data each time)', async () => {
    const url = await postgres.createDatabase();
    const confirmed = [];
    for (let round = 0; round < 5; round++) {
      const server = await TandemServer.start({ args: ['--store', url] });
      try {
        assert.match(server.log, /store: PostgreSQL at postgresql:\/\/postgres@127\.0\.0\.1:\d+\//);
        const a = new TestClient(server.url, { client: `writer-${round}` });
        await a.connect();
        a.subscribe('durable');
        await a.waitFor(() => a.docs.get('durable').version !== null);
        const doc = a.docs.get('durable');
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
        await sleep(200 + Math.floor(Math.random() * 400));
        server.signal('SIGKILL');
        await server.exited;
        stop = true;
        await writer;
        a.close();
      } finally {
        if (server.child.exitCode === null && server.child.signalCode === null) server.signal('SIGKILL');
        await server.stop();
      }
    }
    const server = await TandemServer.start({ args: ['--store', url] });
    try {
      const res = await request(`${server.url}/v1/docs/durable`);
      assert.equal(res.status, 200, res.body);
      for (const token of confirmed) assert.ok(res.json.text.includes(token), `lost ${token}`);
      assert.ok(confirmed.length > 10, `only ${confirmed.length} ops confirmed`);
    } finally {
      assert.equal((await server.stop()).code, 0, server.log);
    }
  });

  test('two servers on one database: ops of one are read by the other after it loads the document', async () => {
    const url = await postgres.createDatabase();
    const first = await TandemServer.start({ args: ['--store', url] });
    const second = await TandemServer.start({ args: ['--store', url] });
    try {
      const a = new TestClient(first.url, { client: 'a' });
      await a.connect();
      a.subscribe('shared');
      await a.waitFor(() => a.docs.get('shared').version !== null);
      a.edit('shared', ['hello']);
      await a.waitFor(() => a.docs.get('shared').synced);
      a.close();
      const res = await request(`${second.url}/v1/docs/shared`);
      assert.equal(res.status, 200, res.body);
      assert.equal(res.json.text, 'hello');
      assert.equal(res.json.version, 1);
      // The group-commit counters come from the PostgreSQL store.
      const metrics = await request(`${first.url}/metrics`);
      const writes = /^tandem_store_writes_total (\d+)$/m.exec(metrics.body);
      assert.ok(writes && Number(writes[1]) >= 1, metrics.body);
    } finally {
      assert.equal((await first.stop()).code, 0, first.log);
      assert.equal((await second.stop()).code, 0, second.log);
    }
  });

  test('/readyz is 503 while the database is down and 200 again once it is back', async () => {
    const url = await postgres.createDatabase();
    const server = await TandemServer.start({ args: ['--store', url] });
    // Each /readyz starts a probe and reports the previous one, so poll.
    const readyz = async (want) => {
      const deadline = Date.now() + 60000 * slowFactor;
      for (;;) {
        const res = await request(`${server.url}/readyz`);
        if (res.status === want) return res;
        if (Date.now() > deadline) assert.fail(`/readyz stayed ${res.status}: ${res.body}`);
        await sleep(100);
      }
    };
    try {
      await readyz(200);
      await postgres.stopProcess();
      const down = await readyz(503);
      const failing = down.json.failing.find((f) => f.check === 'store');
      assert.ok(failing, down.body);
      assert.match(failing.reason, /postgresql:\/\/postgres@127\.0\.0\.1/);
      await postgres.startProcess();
      await readyz(200);
      // Reads reconnect by themselves.
      const res = await request(`${server.url}/v1/docs/after-restart`);
      assert.equal(res.status, 200, res.body);
    } finally {
      if (!postgres.running) await postgres.startProcess();
      assert.equal((await server.stop()).code, 0, server.log);
    }
  });
});

describe('the store setting', () => {
  test('a value that is not a PostgreSQL URL is refused before anything starts', async () => {
    const result = await runTandem(['serve', '--listen', '127.0.0.1:0', '--store', 'mysql://db/x']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /store.*expected a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  test('an unreachable database fails the start and the log never shows the password', async () => {
    const result = await runTandem(['serve', '--listen', '127.0.0.1:0', '--store',
      'postgres://tandem:hunter2secret@127.0.0.1:1/tandem?connect_timeout=5']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /cannot open the store: postgres:\/\/tandem@127\.0\.0\.1:1\/tandem/);
    assert.doesNotMatch(result.stderr, /hunter2secret/);
  });

  test('--print-config shows the URL without its password', async () => {
    const result = await runTandem(['serve', '--print-config'],
      { env: { TANDEM_STORE: 'postgresql://tandem:hunter2secret@db.internal:5432/tandem' } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /store = "postgresql:\/\/tandem@db.internal:5432\/tandem"/);
    assert.doesNotMatch(result.stdout, /hunter2secret/);
  });
});
