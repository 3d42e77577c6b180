// The HTTP server end to end: a real `tandem serve` process and real HTTP clients.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { TandemServer, slowFactor } from '../support/tandem_process.mjs';
import { request, rawConnection } from '../support/http_client.mjs';

describe('tandem serve over HTTP', () => {
  let server;
  before(async () => {
    server = await TandemServer.start({
      args: ['--max-header-bytes', '4KiB', '--max-body-bytes', '64KiB', '--threads', '2'],
    });
  });
  after(async () => {
    const status = await server.stop();
    assert.equal(status.code, 0, server.log);
  });

  test('GET /healthz answers 200 with JSON', async () => {
    const res = await request(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^application\/json/);
    assert.deepEqual(res.json, { status: 'ok' });
  });

  test('GET /readyz answers 200 when the store directory is usable', async () => {
    const res = await request(`${server.url}/readyz`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { status: 'ready' });
  });

  test('the demo page is served at / as HTML, assets with their types', async () => {
    const page = await request(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(page.body, /<title>Tandem<\/title>/);
    assert.ok(page.headers.etag);
    const css = await request(`${server.url}/style.css`);
    assert.equal(css.status, 200);
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const again = await request(`${server.url}/`, { headers: { 'If-None-Match': page.headers.etag } });
    assert.equal(again.status, 304);
  });

  test('HEAD gives the length without a body', async () => {
    const res = await request(`${server.url}/healthz`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], String('{"status":"ok"}'.length));
    assert.equal(res.body, '');
  });

  test('unknown routes answer 404 with a JSON error', async () => {
    const res = await request(`${server.url}/no/such/thing?x=1`);
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, 'not_found');
    assert.match(res.json.error.message, /\/no\/such\/thing/);
  });

  test('a wrong method answers 405 with Allow', async () => {
    const res = await request(`${server.url}/healthz`, { method: 'DELETE' });
    assert.equal(res.status, 405);
    assert.equal(res.json.error.code, 'method_not_allowed');
    assert.match(res.headers.allow, /GET/);
  });

  test('paths that climb out of the static root are refused', async () => {
    const conn = await rawConnection(server.port);
    await conn.send('GET /../../../../etc/passwd HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    await conn.waitClosed();
    assert.match(conn.received, /^HTTP\/1\.1 404/);
    const encoded = await request(`${server.url}/%2e%2e/%2e%2e/etc/passwd`);
    assert.equal(encoded.status, 404);
    assert.doesNotMatch(encoded.body, /root:/);
  });

  test('keep-alive serves several requests on one connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await request(`${server.url}/healthz`, { agent });
    const second = await request(`${server.url}/readyz`, { agent });
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal(first.socket, second.socket);
    agent.destroy();
  });

  test('pipelined requests are answered in order', async () => {
    const conn = await rawConnection(server.port);
    await conn.send('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\nGET /nope HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    await conn.waitClosed();
    const statuses = [...conn.received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    assert.deepEqual(statuses, ['200', '404']);
  });

  test('oversize headers get 431 and the connection closes', async () => {
    const conn = await rawConnection(server.port);
    await conn.send(`GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(8 * 1024)}\r\n\r\n`);
    await conn.waitClosed();
    assert.match(conn.received, /^HTTP\/1\.1 431/);
    assert.match(conn.received, /"code":"headers_too_large"/);
  });

  test('an oversize body gets 413 before it is read, and the connection closes', async () => {
    const conn = await rawConnection(server.port);
    await conn.send('POST /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10000000\r\n\r\n');
    await conn.waitClosed();
    assert.match(conn.received, /^HTTP\/1\.1 413/);
    assert.match(conn.received, /"code":"body_too_large"/);
  });

  test('an oversize chunked body gets 413', async () => {
    const conn = await rawConnection(server.port);
    const chunk = 'x'.repeat(32 * 1024);
    const size = chunk.length.toString(16);
    await conn.send(`POST /healthz HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\n${chunk}\r\n${size}\r\n${chunk}\r\n${size}\r\n${chunk}\r\n0\r\n\r\n`);
    await conn.waitClosed();
    assert.match(conn.received, /^HTTP\/1\.1 413/);
  });

  for (const [name, bytes] of [
    ['garbage', 'HELLO THERE\r\n\r\n'],
    ['a bad version', 'GET / HTTP/9.9\r\nHost: localhost\r\n\r\n'],
    ['a header without a colon', 'GET / HTTP/1.1\r\nHost x\r\n\r\n'],
    ['a bad content length', 'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: banana\r\n\r\n'],
    ['a bad chunk size', 'POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
  ]) {
    test(`malformed HTTP (${name}) gets 400 and the connection closes`, async () => {
      const conn = await rawConnection(server.port);
      await conn.send(bytes);
      await conn.waitClosed();
      assert.match(conn.received, /^HTTP\/1\.1 400/);
      assert.match(conn.received, /"code":"bad_request"/);
    });
  }

  test('the server still answers after all the bad input above', async () => {
    const res = await request(`${server.url}/healthz`);
    assert.equal(res.status, 200);
  });
});

describe('timeouts', () => {
  test('a client that never finishes its headers is disconnected after header-timeout', async () => {
    const server = await TandemServer.start({ args: ['--header-timeout', `${300 * slowFactor}ms`] });
    try {
      // The clock runs from accept (a connection that sends nothing is cut the same way).
      const started = Date.now();
      const conn = await rawConnection(server.port);
      await conn.send('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
      await conn.waitClosed(5000 * slowFactor);
      assert.ok(Date.now() - started >= 250 * slowFactor);
      assert.equal(conn.received, '');
    } finally {
      assert.equal((await server.stop()).code, 0);
    }
  });

  test('an idle keep-alive connection is closed after idle-timeout', async () => {
    const server = await TandemServer.start({ args: ['--idle-timeout', `${300 * slowFactor}ms`] });
    try {
      const conn = await rawConnection(server.port);
      await conn.send('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
      await conn.waitFor(/"status":"ok"/);
      await conn.waitClosed(5000 * slowFactor);
    } finally {
      assert.equal((await server.stop()).code, 0);
    }
  });
});

describe('graceful shutdown', () => {
  test('SIGTERM lets a request in flight finish, closes idle connections, and exits 0', async () => {
    const server = await TandemServer.start();
    const idle = await rawConnection(server.port);
    await idle.send('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await idle.waitFor(/"status":"ok"/);

    // A request in flight: its headers have arrived, its body has not.
    const busy = await rawConnection(server.port);
    await busy.send('POST /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nab');
    await new Promise((r) => setTimeout(r, 100));

    server.signal('SIGTERM');
    await idle.waitClosed(5000 * slowFactor);
    assert.equal(busy.closed, false, 'the busy connection must stay open while draining');
    // New connections are refused once draining began.
    await assert.rejects(
      request(`${server.url}/healthz`),
      (err) => ['ECONNREFUSED', 'ECONNRESET'].includes(err.code),
    );

    await busy.send('cde');
    await busy.waitClosed(5000 * slowFactor);
    assert.match(busy.received, /^HTTP\/1\.1 405/);
    assert.match(busy.received, /Connection: close/i);

    const status = await server.exited;
    assert.equal(status.code, 0, server.log);
    assert.match(server.log, /stopped/);
    await server.stop();
  });

  test('a request that does not finish within shutdown-timeout is cut off, exit is still 0', async () => {
    const server = await TandemServer.start({ args: ['--shutdown-timeout', `${500 * slowFactor}ms`] });
    const busy = await rawConnection(server.port);
    await busy.send('POST /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nab');
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    server.signal('SIGINT');
    await busy.waitClosed(5000 * slowFactor);
    const status = await server.exited;
    assert.equal(status.code, 0, server.log);
    assert.ok(Date.now() - started >= 400 * slowFactor, 'waited for the deadline');
    assert.match(server.log, /closing 1 connection/);
    await server.stop();
  });
});
