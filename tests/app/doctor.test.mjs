// `tandem doctor` against a real server: directly, behind a proxy that drops the upgrade the
// way nginx does by default, and in front of a listener that never answers.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { TandemServer, runTandem, slowFactor } from '../support/tandem_process.mjs';

// Forwards each request as HTTP/1.0 without Upgrade/Connection (nginx's default proxy_pass),
// adding X-Forwarded-For, and pipes the answer back as it comes (so streams pass unbuffered).
function startNaiveProxy(upstreamPort) {
  const sockets = new Set();
  const server = net.createServer((client) => {
    sockets.add(client);
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      const [requestLine, ...lines] = head.subarray(0, end).toString('latin1').split('\r\n');
      const kept = lines.filter((l) => !/^(upgrade|connection|sec-websocket-[a-z]+):/i.test(l));
      const rewritten = [requestLine.replace(/HTTP\/1\.1$/, 'HTTP/1.0'), ...kept,
        'Connection: close', 'X-Forwarded-For: 127.0.0.1'].join('\r\n') + '\r\n\r\n';
      const upstream = net.connect(upstreamPort, '127.0.0.1', () => {
        upstream.write(rewritten);
        upstream.write(head.subarray(end + 4));
        client.pipe(upstream);
        upstream.pipe(client);
      });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: server.address().port,
    close: () => { for (const s of sockets) s.destroy(); server.close(); },
  })));
}

// Accepts connections and never says a word.
function startBlackHole() {
  const sockets = new Set();
  const server = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: server.address().port,
    close: () => { for (const s of sockets) s.destroy(); server.close(); },
  })));
}

describe('tandem doctor', () => {
  let server;
  before(async () => { server = await TandemServer.start({ args: ['--poll-hold', '1s'] }); });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  test('straight to the server: every check passes, WebSocket, exit 0', async () => {
    const run = await runTandem(['doctor', server.url, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.deepEqual(report.checks.map((c) => [c.check, c.status]), [
      ['connect', 'pass'], ['probe', 'pass'], ['websocket', 'pass'], ['sse', 'pass'],
      ['post', 'pass'], ['poll', 'pass']]);
    assert.equal(report.transport, 'websocket');
    assert.equal(report.proxy, 'none (direct)');
    assert.deepEqual(report.fixes, []);
  });

  test('behind an HTTP/1.0 proxy that drops the upgrade: SSE, exit 1, and the nginx fix', async () => {
    const proxy = await startNaiveProxy(server.port);
    try {
      const run = await runTandem(['doctor', `http://127.0.0.1:${proxy.port}`]);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stdout, /websocket\s+FAIL\s+refused .*426/);
      assert.match(run.stdout, /probe\s+warn\s+refused .*HTTP\/1\.0, no Upgrade header/);
      assert.match(run.stdout, /proxy: nginx \(the server saw HTTP\/1\.0/);
      assert.match(run.stdout, /verdict: WebSocket does not get through: browsers will fall back to SSE/);
      assert.match(run.stdout, /nginx: in the location for \/v1\/ws: proxy_http_version 1\.1;/);
    } finally {
      proxy.close();
    }
  });

  test('a foreign page origin: the uplink is refused for origin, and the fix names --allow-origin', async () => {
    const run = await runTandem(['doctor', server.url, '--quick', '--origin', 'https://elsewhere.example', '--json']);
    const report = JSON.parse(run.stdout);
    assert.equal(run.code, 2);
    const outcome = (name) => report.checks.find((c) => c.check === name).outcome;
    assert.equal(outcome('websocket'), 'origin');
    assert.equal(outcome('sse'), 'origin');
    assert.equal(outcome('post'), 'origin');
    assert.ok(report.fixes.some((f) => f.includes('--allow-origin')));
  });

  test('a listener that never answers: hung everywhere, exit 2, within the deadlines', async () => {
    const hole = await startBlackHole();
    try {
      const started = Date.now();
      const run = await runTandem(['doctor', `http://127.0.0.1:${hole.port}`, '--timeout', '0.5', '--json']);
      assert.equal(run.code, 2);
      const report = JSON.parse(run.stdout);
      for (const check of ['probe', 'websocket', 'sse', 'post']) {
        assert.equal(report.checks.find((c) => c.check === check).outcome, 'hung', check);
      }
      assert.equal(report.transport, 'none');
      assert.ok(Date.now() - started < 10000 * slowFactor);
    } finally {
      hole.close();
    }
  });

  test('a bad URL is a usage error (exit 3)', async () => {
    const run = await runTandem(['doctor', 'ftp://example.com']);
    assert.equal(run.code, 3);
    assert.match(run.stderr, /unsupported scheme 'ftp'/);
  });
});
