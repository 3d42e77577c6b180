// What the browser client and its tests need from the server: /d/NAME opens the demo page, and
// the test-only switch that refuses or hangs every WebSocket upgrade.
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { TandemServer, runTandem, slowFactor } from '../support/tandem_process.mjs';
import { request } from '../support/http_client.mjs';
import { TestClient } from '../support/protocol_client.mjs';

const UPGRADE = (port) => [
  'GET /v1/ws HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: tandem.v1', '', '',
].join('\r\n');

// Sends a raw upgrade and resolves with whatever arrives within `ms` ('' for nothing).
function rawUpgrade(port, ms) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(UPGRADE(port)));
    let data = '';
    socket.on('data', (d) => { data += d; });
    socket.on('error', reject);
    setTimeout(() => { socket.destroy(); resolve(data); }, ms);
  });
}

test('/d/NAME serves the demo page; other paths under /d/ too', async () => {
  const server = await TandemServer.start();
  try {
    const root = await request(`${server.url}/`);
    for (const path of ['/d/notes', '/d/team~2024-q3.md']) {
      const page = await request(`${server.url}${path}`);
      assert.equal(page.status, 200, path);
      assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(page.body, root.body);
    }
  } finally { await server.stop(); }
});

test('test-websocket-upgrade = refuse answers every upgrade with 400', async () => {
  const server = await TandemServer.start({ args: ['--test-websocket-upgrade', 'refuse'] });
  try {
    const answer = await rawUpgrade(server.port, 1000 * slowFactor);
    assert.match(answer, /^HTTP\/1\.1 400/);
    assert.match(answer, /websocket_refused_for_test/);
    // The HTTP transports are untouched.
    const client = new TestClient(server.url, { transport: 'poll' });
    await client.connect();
    client.close();
  } finally { await server.stop(); }
});

test('test-websocket-upgrade = hang never answers, and does not hold up shutdown', async () => {
  const server = await TandemServer.start({ args: ['--test-websocket-upgrade', 'hang'] });
  const held = net.connect(server.port, '127.0.0.1', () => held.write(UPGRADE(server.port)));
  held.on('error', () => {});
  try {
    assert.equal(await rawUpgrade(server.port, 1500), '');
  } finally {
    const started = Date.now();
    const status = await server.stop();
    held.destroy();
    assert.equal(status.code, 0);
    assert.ok(Date.now() - started < 5000 * slowFactor, 'a hung upgrade is closed at shutdown');
  }
});

test('test-websocket-upgrade takes accept, refuse or hang only', async () => {
  const result = await runTandem(['serve', '--listen', '127.0.0.1:0', '--test-websocket-upgrade', 'maybe']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /test-websocket-upgrade.*expected one of accept refuse hang/);
});
