// File-descriptor exhaustion from one address (issue 22, item 5): connections that never send a
// request head are cut at header-timeout, every TCP connection counts against
// max-connections-per-ip, the descriptor limit is raised at start, and a server out of
// descriptors sheds idle connections instead of spinning, so /healthz still answers.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { TandemServer, slowFactor } from '../support/tandem_process.mjs';
import { request, rawConnection } from '../support/http_client.mjs';
import { SseConnection, sleep } from '../support/http_transport.mjs';

// A raw connection from a chosen local address (127.0.0.2 is loopback too, and another client).
function connectFrom(port, localAddress) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

// GET path on a fresh connection, failing after timeoutMs.
function getWithin(server, path, timeoutMs) {
  return Promise.race([
    request(`${server.url}${path}`, { headers: { Connection: 'close' } }),
    sleep(timeoutMs).then(() => { throw new Error(`GET ${path}: no answer within ${timeoutMs} ms`); }),
  ]);
}

const openFilesLimit = (pid) => {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const [soft, hard] = line.replace('Max open files', '').trim().split(/\s+/);
  return { soft: Number(soft), hard: Number(hard) };
};

describe('connections that send nothing', () => {
  let server;
  before(async () => {
    server = await TandemServer.start({ args: ['--header-timeout', '1s', '--idle-timeout', '60s'] });
  });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  test('a connection that never sends a request head is closed after header-timeout', async () => {
    const started = Date.now();
    const silent = await rawConnection(server.port);
    await silent.waitClosed(8000 * slowFactor);
    assert.ok(Date.now() - started >= 900, 'closed before header-timeout');
    const partial = await rawConnection(server.port);
    await partial.send('GET /healthz HTTP/1.1\r\nHo');
    await partial.waitClosed(8000 * slowFactor);
  });

  test('a keep-alive connection between requests keeps idle-timeout', async () => {
    const conn = await rawConnection(server.port);
    await conn.send('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await conn.waitFor(/"status":"ok"/, 5000 * slowFactor);
    await sleep(2500);
    assert.equal(conn.closed, false, 'a kept-alive connection was cut at header-timeout');
    await conn.send('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    await conn.waitClosed(5000 * slowFactor);
    assert.equal([...conn.received.matchAll(/HTTP\/1\.1 200/g)].length, 2);
  });
});

describe('every TCP connection counts against max-connections-per-ip', () => {
  let server;
  const sockets = [];
  before(async () => { server = await TandemServer.start({ args: ['--max-connections-per-ip', '5'] }); });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    assert.equal((await server.stop()).code, 0, server.log);
  });

  test('idle connections beyond the limit get 429 and are closed; other addresses are served', async () => {
    for (let i = 0; i < 5; i++) sockets.push(await connectFrom(server.port, '127.0.0.1'));
    await sleep(300);
    const refused = await rawConnection(server.port);
    await refused.waitClosed(5000 * slowFactor);
    assert.match(refused.received, /^HTTP\/1\.1 429/);
    assert.match(refused.received, /"code":"too_many_connections"/);
    for (const socket of sockets) assert.equal(socket.destroyed, false);
    // Another address is not affected (a health checker, another user).
    const other = await connectFrom(server.port, '127.0.0.2');
    const answer = await new Promise((resolve) => {
      let text = '';
      other.on('data', (d) => { text += d; if (/"status":"ok"/.test(text)) resolve(text); });
      other.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    });
    assert.match(answer, /^HTTP\/1\.1 200/);
    other.destroy();
    // A slot freed is a slot free again.
    sockets.pop().destroy();
    await sleep(300);
    const res = await getWithin(server, '/healthz', 5000 * slowFactor);
    assert.equal(res.status, 200);
  });
});

describe('streams and WebSockets keep their TCP slot', () => {
  let server;
  before(async () => { server = await TandemServer.start({ args: ['--max-connections-per-ip', '2'] }); });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  test('an SSE stream counts while it is open, works, and frees its slot when it ends', async () => {
    const sse = await SseConnection.open(server.url, 'slot-sse', ['slot-doc']);
    assert.equal(sse.status, 200);
    await sse.waitFor((s) => s.messages.some((m) => m.t === 'snapshot'), 10000 * slowFactor, 'snapshot');
    const idle = await connectFrom(server.port, '127.0.0.1');
    const refused = await rawConnection(server.port);
    await refused.waitClosed(5000 * slowFactor);
    assert.match(refused.received, /^HTTP\/1\.1 429/);
    sse.destroy();
    idle.destroy();
    await sleep(500);
    const res = await getWithin(server, '/healthz', 5000 * slowFactor);
    assert.equal(res.status, 200);
  });
});

describe('trusted proxies are exempt from the per-address TCP count', () => {
  let server;
  const sockets = [];
  before(async () => {
    server = await TandemServer.start({ args: ['--max-connections-per-ip', '2', '--trusted-proxy', '127.0.0.1'] });
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    assert.equal((await server.stop()).code, 0, server.log);
  });

  test('a proxy may hold more connections than one client may', async () => {
    for (let i = 0; i < 6; i++) sockets.push(await connectFrom(server.port, '127.0.0.1'));
    const res = await getWithin(server, '/healthz', 5000 * slowFactor);
    assert.equal(res.status, 200);
  });
});

describe('the descriptor limit', () => {
  test('the soft limit is raised to the hard limit at start', async () => {
    const server = await TandemServer.start({ ulimit: '-Sn 256' });
    try {
      const { soft, hard } = openFilesLimit(server.pid);
      assert.equal(soft, hard, `soft ${soft}, hard ${hard}`);
    } finally {
      assert.equal((await server.stop()).code, 0, server.log);
    }
  });

  test('out of descriptors, idle connections are shed and /healthz still answers', async () => {
    const server = await TandemServer.start({ ulimit: '-n 128', args: ['--max-connections-per-ip', '0'] });
    const sockets = [];
    try {
      // Far more idle connections than the server has descriptors; the kernel queues the rest.
      for (let i = 0; i < 300; i++) {
        const socket = net.connect({ port: server.port, host: '127.0.0.1' });
        socket.on('error', () => {});
        sockets.push(socket);
      }
      await sleep(1500);
      for (const path of ['/healthz', '/readyz']) {
        const res = await getWithin(server, path, 5000 * slowFactor);
        assert.equal(res.status, 200, `${path}: ${res.body}`);
      }
      const logged = server.log.match(/out of file descriptors/g) ?? [];
      assert.ok(logged.length <= 2, `logged ${logged.length} times:\n${server.log}`);
      assert.doesNotMatch(server.log, /accept failed/);
      const metrics = await getWithin(server, '/metrics', 5000 * slowFactor);
      assert.match(metrics.body, /tandem_http_descriptors_exhausted_total [1-9]/);
    } finally {
      for (const socket of sockets) socket.destroy();
      assert.equal((await server.stop()).code, 0, server.log);
    }
  });
});
