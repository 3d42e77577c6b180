// Hostile HTTP input (issue 22): request smuggling through ambiguous framing (RFC 9112 §6.1,
// §6.3), headers that make a request ambiguous (obs-fold, two Host, two Content-Type), and DNS
// rebinding through the Host header (docs/security.md, "Threat model").
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { TandemServer, slowFactor } from '../support/tandem_process.mjs';
import { rawConnection } from '../support/http_client.mjs';
import { httpRequest, send } from '../support/http_transport.mjs';

// Every status line the server sent on a raw connection, in order.
const statuses = (conn) => [...conn.received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);

// Sends `bytes` on a fresh connection and waits for the server to close it.
async function exchange(port, bytes) {
  const conn = await rawConnection(port);
  await conn.send(bytes);
  await conn.waitClosed(10000 * slowFactor);
  return conn;
}

// A request on a fresh connection with a chosen Host header (node:http sets the rest).
function requestWithHost(server, path, host, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: server.port, path, method, agent: false, setHost: false,
      headers: { Host: host, ...headers },
    }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { data += chunk; });
      res.on('end', () => {
        const json = (res.headers['content-type'] ?? '').startsWith('application/json') && data ? JSON.parse(data) : undefined;
        resolve({ status: res.statusCode, headers: res.headers, body: data, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function docState(server, id) {
  const res = await httpRequest(`${server.url}/v1/docs/${id}`);
  assert.equal(res.status, 200, res.body);
  return res.json;
}

describe('request framing and ambiguous headers', () => {
  let server;
  before(async () => { server = await TandemServer.start({ args: ['--threads', '2'] }); });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
  const sendHead = (extra) => 'POST /v1/send HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
    `X-Tandem-Client: smuggler\r\n${extra}\r\n`;

  for (const coding of ['chunked, identity', 'xchunked', 'identity', 'chunked']) {
    test(`Content-Length with Transfer-Encoding: ${coding} is refused (400 ambiguous_length), nothing runs after it`, async () => {
      const conn = await exchange(server.port, `${sendHead(`Transfer-Encoding: ${coding}\r\nContent-Length: 2\r\n`)}[]${smuggled}`);
      assert.deepEqual(statuses(conn), ['400'], conn.received);
      // Beast itself refuses Content-Length after Transfer-Encoding: chunked (bad_request).
      if (coding !== 'chunked') assert.match(conn.received, /"code":"ambiguous_length"/);
      assert.doesNotMatch(conn.received, /smuggled/);
    });
  }

  test('Content-Length before Transfer-Encoding is refused too', async () => {
    const conn = await exchange(server.port, `${sendHead('Content-Length: 2\r\nTransfer-Encoding: xchunked\r\n')}[]${smuggled}`);
    assert.deepEqual(statuses(conn), ['400'], conn.received);
    assert.doesNotMatch(conn.received, /smuggled/);
  });

  for (const coding of ['chunked, identity', 'xchunked', 'gzip']) {
    test(`Transfer-Encoding: ${coding} without Content-Length (last coding not chunked) gets 400 bad_transfer_encoding`, async () => {
      const conn = await exchange(server.port, `${sendHead(`Transfer-Encoding: ${coding}\r\n`)}[]${smuggled}`);
      assert.deepEqual(statuses(conn), ['400'], conn.received);
      assert.match(conn.received, /"code":"bad_transfer_encoding"/);
      assert.doesNotMatch(conn.received, /smuggled/);
    });
  }

  test('a coding before chunked (gzip, chunked; or two Transfer-Encoding lines) gets 501 unsupported_transfer_coding', async () => {
    for (const head of ['Transfer-Encoding: gzip, chunked\r\n', 'Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n']) {
      const conn = await exchange(server.port, `${sendHead(head)}2\r\n[]\r\n0\r\n\r\n${smuggled}`);
      assert.deepEqual(statuses(conn), ['501'], conn.received);
      assert.match(conn.received, /"code":"unsupported_transfer_coding"/);
    }
  });

  test('Transfer-Encoding on an HTTP/1.0 request is refused (400 bad_transfer_encoding)', async () => {
    const conn = await exchange(server.port, 'POST /v1/send HTTP/1.0\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n[]\r\n0\r\n\r\n');
    assert.deepEqual(statuses(conn).length, 0);
    assert.match(conn.received, /^HTTP\/1\.0 400/);
    assert.match(conn.received, /"code":"bad_transfer_encoding"/);
  });

  test('plain chunked still works (and so does Content-Length alone)', async () => {
    const conn = await rawConnection(server.port);
    await conn.send(`${sendHead('Transfer-Encoding: chunked\r\n')}2\r\n[]\r\n0\r\n\r\n`);
    await conn.waitFor(/"results"/, 10000 * slowFactor);
    assert.deepEqual(statuses(conn), ['200']);
    conn.socket.destroy();
    const res = await send(server.url, 'plain', [{ t: 'ping', id: 1 }]);
    assert.equal(res.status, 200, res.body);
  });

  test('the smuggling request of the issue changes no document', async () => {
    const op = JSON.stringify([{ t: 'op', doc: 'smuggle-doc', v: 0, seq: 1, op: ['X'] }]);
    const conn = await exchange(server.port,
      `${sendHead(`Transfer-Encoding: chunked, identity\r\nContent-Length: ${op.length}\r\n`)}${op}`);
    assert.deepEqual(statuses(conn), ['400'], conn.received);
    assert.deepEqual(await docState(server, 'smuggle-doc'), { id: 'smuggle-doc', version: 0, text: '' });
  });

  test('an obs-fold header line is refused (400 obs_fold)', async () => {
    const conn = await exchange(server.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Folded: a\r\n b\r\n\r\n');
    assert.deepEqual(statuses(conn), ['400'], conn.received);
    assert.match(conn.received, /"code":"obs_fold"/);
    const tab = await exchange(server.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Folded: a\r\n\tb\r\nConnection: close\r\n\r\n');
    assert.deepEqual(statuses(tab), ['400'], tab.received);
  });

  test('HTTP/1.1 with no Host or two Host headers gets 400 bad_host', async () => {
    for (const head of ['', 'Host: 127.0.0.1\r\nHost: 127.0.0.1\r\n', 'Host: 127.0.0.1\r\nHost: localhost\r\n']) {
      const conn = await exchange(server.port, `GET /healthz HTTP/1.1\r\n${head}\r\n`);
      assert.deepEqual(statuses(conn), ['400'], conn.received);
      assert.match(conn.received, /"code":"bad_host"/);
    }
    // HTTP/1.0 needs no Host.
    const old = await exchange(server.port, 'GET /healthz HTTP/1.0\r\n\r\n');
    assert.match(old.received, /^HTTP\/1\.0 200/);
  });

  test('two Content-Type headers get 400 duplicate_header', async () => {
    const body = JSON.stringify([{ t: 'op', doc: 'ctype-doc', v: 0, seq: 1, op: ['X'] }]);
    const conn = await exchange(server.port, 'POST /v1/send HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n' +
      `Content-Type: application/json\r\nX-Tandem-Client: dup\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    assert.deepEqual(statuses(conn), ['400'], conn.received);
    assert.match(conn.received, /"code":"duplicate_header"/);
    assert.deepEqual(await docState(server, 'ctype-doc'), { id: 'ctype-doc', version: 0, text: '' });
  });
});

describe('DNS rebinding: the Host allowlist', () => {
  const rebind = (doc) => JSON.stringify([{ t: 'op', doc, v: 0, seq: 1, op: ['REBIND'] }]);
  const attacker = 'attacker.example:8080';
  const uplinkHeaders = { Origin: `http://${attacker}`, 'X-Tandem-Client': 'x', 'Content-Type': 'application/json' };

  describe('on loopback with the defaults', () => {
    let server;
    before(async () => { server = await TandemServer.start({ args: ['--allow-origin', 'https://app.example.com'] }); });
    after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

    test('the rebinding request of the issue gets 421 host_not_allowed and changes nothing', async () => {
      const res = await requestWithHost(server, '/v1/send', attacker, { method: 'POST', headers: uplinkHeaders, body: rebind('rebind-doc') });
      assert.equal(res.status, 421, res.body);
      assert.equal(res.json.error.code, 'host_not_allowed');
      assert.match(res.json.error.message, /--allow-host/);
      assert.deepEqual(await docState(server, 'rebind-doc'), { id: 'rebind-doc', version: 0, text: '' });
    });

    for (const path of ['/', '/index.html', '/v1/docs/rebind-doc', '/v1/poll?client=x&sub=rebind-doc', '/healthz', '/metrics']) {
      test(`GET ${path} with a foreign Host is refused`, async () => {
        const res = await requestWithHost(server, path, attacker, { headers: { Origin: `http://${attacker}` } });
        assert.equal(res.status, 421, res.body);
        assert.equal(res.json.error.code, 'host_not_allowed');
      });
    }

    test('the WebSocket upgrade with a foreign Host is refused', async () => {
      const res = await requestWithHost(server, '/v1/ws', attacker, {
        headers: {
          Origin: `http://${attacker}`, Connection: 'Upgrade', Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      assert.equal(res.status, 421, res.body);
      assert.equal(res.json.error.code, 'host_not_allowed');
    });

    test('IP literals, localhost and the hosts of --allow-origin are allowed', async () => {
      for (const host of [`127.0.0.1:${server.port}`, '127.0.0.1', '[::1]:8080', '10.1.2.3', `localhost:${server.port}`,
        'LOCALHOST', 'app.localhost:3000', 'app.example.com', 'app.example.com:443']) {
        const res = await requestWithHost(server, '/healthz', host);
        assert.equal(res.status, 200, `${host}: ${res.body}`);
      }
      for (const host of ['example.com', 'localhost.example.com', 'app.example.com.evil.example', '127.0.0.1.nip.io']) {
        const res = await requestWithHost(server, '/healthz', host);
        assert.equal(res.status, 421, `${host}: ${res.body}`);
      }
    });
  });

  describe('with --allow-host', () => {
    let server;
    before(async () => {
      server = await TandemServer.start({ args: ['--allow-host', 'notes.example.com,*.corp.example'] });
    });
    after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

    test('listed names (any port), and subdomains of a *. entry are allowed; others refused', async () => {
      for (const host of ['notes.example.com', 'notes.example.com:8443', 'NOTES.example.com', 'a.corp.example', 'x.y.corp.example:81']) {
        const res = await requestWithHost(server, '/healthz', host);
        assert.equal(res.status, 200, `${host}: ${res.body}`);
      }
      for (const host of ['corp.example', 'evil.example', 'notes.example.com.evil.example', 'acorp.example']) {
        const res = await requestWithHost(server, '/healthz', host);
        assert.equal(res.status, 421, `${host}: ${res.body}`);
      }
    });
  });

  describe('with --allow-host "*"', () => {
    let server;
    before(async () => { server = await TandemServer.start({ args: ['--allow-host', '*'] }); });
    after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

    test('any Host is allowed (the check is off)', async () => {
      const res = await requestWithHost(server, '/healthz', attacker);
      assert.equal(res.status, 200, res.body);
    });
  });

  test('a bad --allow-host entry stops the server at start, naming it', async () => {
    await assert.rejects(TandemServer.start({ args: ['--allow-host', 'bad/host'] }), /bad\/host/);
  });
});
