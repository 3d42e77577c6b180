// `tandem serve --bus redis://...`: the node connects to a throwaway redis-server
// (tests/support/redis_server.mjs), reports the bus in /metrics, keeps serving while Redis is
// down (DESIGN.md §9: slower delivery, never an outage), logs each transition once and recovers
// by itself. Message exchange itself is covered by tests/bus/redis_bus_test.cpp.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { TandemServer, runTandem, slowFactor } from '../support/tandem_process.mjs';
import { request } from '../support/http_client.mjs';
import { RedisServer, freePort, redisUnavailable } from '../support/redis_server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function scrape(server) {
  const res = await request(`${server.url}/metrics`);
  assert.equal(res.status, 200);
  const values = new Map();
  for (const line of res.body.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

async function eventually(server, check, timeoutMs = 30000 * slowFactor) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const values = await scrape(server);
    try {
      check(values);
      return values;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${error.message}\nlog:\n${server.log}`);
      await sleep(50);
    }
  }
}

const count = (text, pattern) => (text.match(pattern) ?? []).length;

describe('the Redis bus', { skip: redisUnavailable() ?? false }, () => {
  test('connected in /metrics; a Redis restart is logged once each way and recovered by itself', async () => {
    const redis = await RedisServer.start();
    const server = await TandemServer.start({ args: ['--bus', redis.url, '--bus-prefix', 'test:'] });
    try {
      assert.match(server.log, /bus: connected to Redis at redis:\/\/127\.0\.0\.1:\d+ \(channel prefix "test:"\)/);
      await eventually(server, (v) => {
        assert.equal(v.get('tandem_bus_connected'), 1);
        assert.equal(v.get('tandem_bus_disconnects_total'), 0);
        assert.equal(v.get('tandem_bus_subscribed_topics'), 0);
      });

      await redis.kill();
      await eventually(server, (v) => {
        assert.equal(v.get('tandem_bus_connected'), 0);
        assert.equal(v.get('tandem_bus_disconnects_total'), 1);
      });
      // Still serving: the bus is a hint, never a reason to be unready.
      assert.equal((await request(`${server.url}/readyz`)).status, 200);
      assert.equal((await request(`${server.url}/v1/docs/while-redis-is-down`)).status, 200);
      await sleep(1500 * slowFactor);  // several retries, still one warning

      await redis.startProcess();
      await eventually(server, (v) => {
        assert.equal(v.get('tandem_bus_connected'), 1);
        assert.equal(v.get('tandem_bus_reconnects_total'), 1);
      });
      assert.equal(count(server.log, /bus: lost Redis/g), 1, server.log);
      assert.equal(count(server.log, /bus: Redis at redis:\/\/127\.0\.0\.1:\d+ is back/g), 1, server.log);
    } finally {
      assert.equal((await server.stop()).code, 0, server.log);
      await redis.stop();
    }
  });

  test('Redis down at start: the node serves, says so, and connects when Redis comes up', async () => {
    const port = await freePort();
    const server = await TandemServer.start({ args: ['--bus', `redis://127.0.0.1:${port}`] });
    let redis;
    try {
      assert.match(server.log, /bus: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ .*serving without cross-node notifications/);
      assert.equal((await request(`${server.url}/readyz`)).status, 200);
      assert.equal((await scrape(server)).get('tandem_bus_connected'), 0);
      redis = await RedisServer.start({ port });
      await eventually(server, (v) => assert.equal(v.get('tandem_bus_connected'), 1));
      assert.equal(count(server.log, /bus: cannot reach Redis/g), 1, server.log);
    } finally {
      assert.equal((await server.stop()).code, 0, server.log);
      await redis?.stop();
    }
  });

  test('stopping while Redis is down is prompt', async () => {
    const port = await freePort();
    const server = await TandemServer.start({ args: ['--bus', `redis://127.0.0.1:${port}`] });
    const started = Date.now();
    assert.equal((await server.stop()).code, 0, server.log);
    assert.ok(Date.now() - started < 10000 * slowFactor, `took ${Date.now() - started} ms`);
  });
});

describe('the bus settings', () => {
  test('a node alone has the in-process bus: connected, nothing subscribed, nothing dropped', async () => {
    const server = await TandemServer.start();
    try {
      const values = await scrape(server);
      assert.equal(values.get('tandem_bus_connected'), 1);
      assert.equal(values.get('tandem_bus_publish_dropped_total'), 0);
      assert.doesNotMatch(server.log, /Redis/);
    } finally {
      assert.equal((await server.stop()).code, 0, server.log);
    }
  });

  test('a value that is not a redis:// URL is refused before anything starts', async () => {
    const result = await runTandem(['serve', '--listen', '127.0.0.1:0', '--bus', 'http://cache:6379']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /bus: expected a redis:\/\/HOST:PORT URL/);
  });

  test('--print-config shows the URL without its password, and the prefix', async () => {
    const result = await runTandem(['serve', '--print-config'], {
      env: { TANDEM_BUS: 'redis://:hunter2secret@cache.internal:6379/0', TANDEM_BUS_PREFIX: 'staging:' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^bus = "redis:\/\/cache\.internal:6379\/0"$/m);
    assert.match(result.stdout, /^bus-prefix = "staging:"$/m);
    assert.doesNotMatch(result.stdout, /hunter2secret/);
  });
});
