// The collaboration server over WebSocket, end to end: real `tandem serve` processes, real
// WebSocket clients running the OT client state machine (tests/support/protocol_client.mjs).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TandemServer, makeTempDir, slowFactor } from '../support/tandem_process.mjs';
import { request } from '../support/http_client.mjs';
import { TestClient, prng, randomOp, signToken, textType } from '../support/protocol_client.mjs';
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import net from 'node:net';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function docState(server, id) {
  const res = await request(`${server.url}/v1/docs/${id}`);
  assert.equal(res.status, 200, res.body);
  return res.json;
}

// A masked client text frame.
function clientFrame(text) {
  const body = Buffer.from(text);
  const mask = randomBytes(4);
  let header;
  if (body.length < 126) header = Buffer.from([0x81, 0x80 | body.length]);
  else if (body.length < 65536) { header = Buffer.from([0x81, 0x80 | 126, 0, 0]); header.writeUInt16BE(body.length, 2); }
  else { header = Buffer.alloc(10); header[0] = 0x81; header[1] = 0x80 | 127; header.writeBigUInt64BE(BigInt(body.length), 2); }
  for (let i = 0; i < body.length; i++) body[i] ^= mask[i % 4];
  return Buffer.concat([header, mask, body]);
}

// Over a raw socket: hello, a 64 KiB message, then a flood for 500 ms while not reading.
// Resolves with 'close CODE' once a close frame is read, or with the socket error.
function oversizeThenFlood(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    let outcome = null;
    const finish = (what) => { outcome ??= what; socket.destroy(); };
    socket.on('connect', () => socket.write('GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'
      + `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n`
      + 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: tandem.v1\r\n\r\n'));
    socket.on('data', (data) => {
      buffered = Buffer.concat([buffered, data]);
      if (!upgraded) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        upgraded = true;
        buffered = buffered.subarray(end + 4);
        socket.write(clientFrame(JSON.stringify({ t: 'hello', client: 'oversize' })));
        setTimeout(() => {
          socket.write(clientFrame('x'.repeat(64 * 1024)));
          socket.pause();
          const filler = clientFrame(JSON.stringify({ t: 'ping', id: 1, pad: 'y'.repeat(2000) }));
          const flood = setInterval(() => { if (!socket.destroyed) for (let i = 0; i < 64; i++) socket.write(filler); }, 2);
          setTimeout(() => { clearInterval(flood); socket.resume(); }, 500);
        }, 100);
        return;
      }
      // Server frames are unmasked: a close is 0x88, a length byte, then the code.
      for (let at = 0; at + 4 <= buffered.length;) {
        const length = buffered[at + 1] & 0x7f;
        const headerBytes = length === 126 ? 4 : length === 127 ? 10 : 2;
        const payload = length === 126 ? buffered.readUInt16BE(at + 2) : length === 127 ? Number(buffered.readBigUInt64BE(at + 2)) : length;
        if (at + headerBytes + payload > buffered.length) break;
        if ((buffered[at] & 0x0f) === 0x8) return finish(`close ${buffered.readUInt16BE(at + 2)}`);
        at += headerBytes + payload;
      }
    });
    socket.on('error', (error) => finish(`error ${error.code}`));
    socket.on('close', () => resolve(outcome ?? 'closed without a close frame'));
  });
}

async function connected(server, options = {}) {
  return new TestClient(server.url, options).connect();
}

describe('WebSocket specifics', () => {
  let server;
  before(async () => { server = await TandemServer.start(); });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  test('messages before hello are refused with hello_required', async () => {
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/v1/ws`, ['tandem.v1']);
    const received = [];
    ws.on('message', (d) => received.push(JSON.parse(d.toString())));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ t: 'sub', doc: 'x' }));
    while (received.length === 0) await sleep(10);
    assert.equal(received[0].code, 'hello_required');
    ws.terminate();
  });


  test('an unknown subprotocol is refused before the upgrade', async () => {
    await assert.rejects(connected(server, { protocol: 'chat' }), (e) => e.status === 400 && /unsupported_subprotocol/.test(e.body));
  });


  test('a hello with a bad client id is fatal: bad_client_id, then close 1008', async () => {
    const client = new TestClient(server.url, { client: 'not/an id' });
    await assert.rejects(client.connect());
    assert.equal(client.errors[0]?.code, 'bad_client_id');
    assert.equal(client.errors[0]?.fatal, true);
    assert.equal(client.closed?.code, 1008);
  });

  test('invalid UTF-8 in a text frame closes with 1007 (RFC 6455 §8.1)', async () => {
    const client = await connected(server);
    client.ws.send(Buffer.from([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]), { binary: false });
    await client.waitFor(() => client.closed, 10000 * slowFactor);
    assert.equal(client.closed.code, 1007);
  });

  test('a client that keeps sending after an oversize frame still reads the 1009 close', async () => {
    // A raw client, so nothing hides what reaches the socket: it sends a message over the
    // limit, then floods without reading for 500 ms (busy writing), then reads. A server that
    // closes the socket with the flood unread makes the kernel reset the connection: the
    // client's next write fails and the close frame is never read.
    const small = await TandemServer.start({ args: ['--max-message-bytes', '4KiB', '--ws-deflate', 'false'] });
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const outcome = await oversizeThenFlood(new URL(small.url).port);
        assert.equal(outcome, 'close 1009', `attempt ${attempt}`);
      }
    } finally {
      await small.stop();
    }
  });

  test('a plain GET on /v1/ws says the upgrade went missing', async () => {
    const res = await request(`${server.url}/v1/ws`);
    assert.equal(res.status, 426);
    assert.equal(res.json.error.code, 'upgrade_required');
  });

});

describe('history beyond memory, retention and resync', () => {
  test('ops older than the in-memory window are read back from the store', async () => {
    const server = await TandemServer.start({ args: ['--history-window', '4'] });
    try {
      const a = await connected(server);
      a.subscribe('window');
      await a.waitFor(() => a.docs.get('window').version === 0);
      for (let i = 0; i < 20; i++) {
        a.edit('window', [i, 'x']);
        await a.waitFor(() => a.docs.get('window').synced);
      }
      const b = await connected(server);
      const doc = b.subscribe('window', 0);
      doc.version = 0;
      await b.waitFor(() => doc.version === 20);
      assert.equal(doc.text, 'x'.repeat(20));
      // A submit based on an old version is transformed through ops from the store.
      b.send({ t: 'op', doc: 'window', v: 2, seq: 1, op: [1, 'Y'] });
      await b.waitFor(() => b.messages.some((m) => m.t === 'ack' && m.seq === 1));
      const state = await docState(server, 'window');
      assert.equal(state.version, 21);
      assert.equal([...state.text].length, 21);
      a.close(); b.close();
    } finally {
      assert.equal((await server.stop()).code, 0);
    }
  });

  test('a quiet document drops its window; resubmits, late submits and catch-ups read the log', async () => {
    const server = await TandemServer.start({ args: ['--history-release-after', '100ms'] });
    try {
      const a = await connected(server);
      a.subscribe('quiet');
      await a.waitFor(() => a.docs.get('quiet').version === 0);
      for (let i = 0; i < 10; i++) {
        a.edit('quiet', [i, 'q']);
        await a.waitFor(() => a.docs.get('quiet').synced);
      }
      const lastAck = a.messages.filter((m) => m.t === 'ack').at(-1);
      assert.equal(lastAck.v, 9);
      await sleep(400 * slowFactor);  // several sweeps (every 50 ms) past the 100 ms
      // The last op again, as after a lost ack: the original confirmation, no second apply.
      a.send({ t: 'op', doc: 'quiet', v: 9, seq: lastAck.seq, op: [9, 'q'] });
      await a.waitFor(() => a.messages.filter((m) => m.t === 'ack' && m.seq === lastAck.seq).length === 2);
      assert.equal(a.messages.filter((m) => m.t === 'ack').at(-1).v, 9);
      assert.equal((await docState(server, 'quiet')).version, 10);
      // A newcomer catches up from version 0, and an op based on version 2 is transformed.
      const b = await connected(server);
      const doc = b.subscribe('quiet', 0);
      doc.version = 0;
      await b.waitFor(() => doc.version === 10);
      assert.equal(doc.text, 'q'.repeat(10));
      b.send({ t: 'op', doc: 'quiet', v: 2, seq: 1, op: [2, 'B'] });
      await b.waitFor(() => b.messages.some((m) => m.t === 'ack' && m.seq === 1));
      const state = await docState(server, 'quiet');
      assert.equal(state.version, 11);
      assert.equal(state.text, 'qqBqqqqqqqq');
      a.close(); b.close();
    } finally {
      assert.equal((await server.stop()).code, 0);
    }
  });

  test('a client older than the retained history gets resync_required and a snapshot', async () => {
    const server = await TandemServer.start({
      args: ['--history-window', '2', '--snapshot-every', '5', '--retain-ops', '3'],
    });
    try {
      const a = await connected(server);
      a.subscribe('retain');
      await a.waitFor(() => a.docs.get('retain').version === 0);
      for (let i = 0; i < 12; i++) {
        a.edit('retain', [i, 'r']);
        await a.waitFor(() => a.docs.get('retain').synced);
      }
      await sleep(200);
      const b = await connected(server);
      const doc = b.subscribe('retain', 1);
      doc.version = 1;
      doc.text = 'r';
      await b.waitForError('resync_required');
      await b.waitFor(() => b.messages.some((m) => m.t === 'snapshot'));
      await b.waitFor(() => doc.version === 12);
      assert.equal(doc.text, 'r'.repeat(12));
      // An op based on a pruned version is refused the same way, and changes nothing.
      b.send({ t: 'op', doc: 'retain', v: 1, seq: 1, op: ['old'] });
      await b.waitFor(() => b.errors.filter((e) => e.code === 'resync_required').length >= 2);
      assert.equal((await docState(server, 'retain')).version, 12);
      a.close(); b.close();
    } finally {
      assert.equal((await server.stop()).code, 0);
    }
  });
});

describe('durability', () => {
  test('kill -9 during a stream of submits keeps every confirmed op (repeated)', async () => {
    const dataDir = makeTempDir();
    try {
      let confirmed = [];
      for (let round = 0; round < 8; round++) {
        const server = await TandemServer.start({ dataDir });
        const a = new TestClient(server.url, { client: `writer-${round}` });
        await a.connect();
        a.subscribe('durable');
        await a.waitFor(() => a.docs.get('durable').version !== null);
        const doc = a.docs.get('durable');
        // Everything confirmed in earlier rounds is there after the restart.
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
        await sleep(100 + Math.floor(Math.random() * 300));
        server.signal('SIGKILL');
        await server.exited;
        stop = true;
        await writer;
        a.close();
      }
      const server = await TandemServer.start({ dataDir });
      const state = await docState(server, 'durable');
      for (const token of confirmed) assert.ok(state.text.includes(token), `lost ${token}`);
      assert.ok(confirmed.length > 10, `only ${confirmed.length} ops confirmed`);
      await server.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('security on the WebSocket transport', () => {
  test('a foreign Origin gets 403 before the upgrade; the own origin and listed ones pass', async () => {
    const server = await TandemServer.start({ args: ['--allow-origin', 'https://app.example.com'] });
    try {
      await assert.rejects(connected(server, { origin: 'https://evil.example' }),
        (e) => e.status === 403 && /origin_not_allowed/.test(e.body));
      await assert.rejects(connected(server, { origin: 'null' }), (e) => e.status === 403);
      (await connected(server, { origin: server.url })).close();
      (await connected(server, { origin: 'https://app.example.com' })).close();
    } finally {
      await server.stop();
    }
  });

  test('tokens: required when a secret is set, read-only cannot edit, expired is refused', async () => {
    const secret = 'a-test-secret-that-is-long-enough-for-hs256';
    const server = await TandemServer.start({ env: { TANDEM_AUTH_SECRET: secret } });
    const now = Math.floor(Date.now() / 1000);
    try {
      const anonymous = new TestClient(server.url);
      await assert.rejects(anonymous.connect());
      assert.equal(anonymous.errors[0]?.code, 'unauthorized');
      assert.equal(anonymous.closed?.code, 1008);

      const writer = await connected(server, {
        token: await signToken({ sub: 'w', name: 'Writer', exp: now + 600, docs: [{ pattern: 'team-*', access: 'write' }] }, secret),
      });
      writer.subscribe('team-notes');
      await writer.waitFor(() => writer.docs.get('team-notes').version === 0);
      writer.edit('team-notes', ['by writer']);
      await writer.waitFor(() => writer.docs.get('team-notes').synced);
      writer.subscribe('private');
      assert.equal((await writer.waitForError('forbidden')).doc, 'private');

      const reader = await connected(server, {
        token: await signToken({ sub: 'r', exp: now + 600, docs: [{ pattern: '*', access: 'read' }] }, secret),
      });
      reader.subscribe('team-notes');
      await reader.waitFor(() => reader.docs.get('team-notes').text === 'by writer');
      reader.send({ t: 'op', doc: 'team-notes', v: 1, seq: 1, op: ['nope'] });
      await reader.waitForError('read_only');
      await sleep(100);
      const bearer = await signToken({ sub: 'r', exp: now + 600, docs: [{ pattern: '*', access: 'read' }] }, secret);
      const res = await request(`${server.url}/v1/docs/team-notes`, { headers: { Authorization: `Bearer ${bearer}` } });
      assert.equal(res.json.text, 'by writer');
      assert.equal((await request(`${server.url}/v1/docs/team-notes`)).status, 401);

      const expired = new TestClient(server.url, {
        token: await signToken({ sub: 'x', exp: now - 3600, docs: [{ pattern: '*', access: 'write' }] }, secret),
      });
      await assert.rejects(expired.connect());
      assert.equal(expired.errors[0]?.code, 'unauthorized');
      const tampered = new TestClient(server.url, { token: bearer.slice(0, -2) + 'xx' });
      await assert.rejects(tampered.connect());
      writer.close(); reader.close();
    } finally {
      await server.stop();
    }
  });

  test('a slow reader is disconnected while the others keep receiving', async () => {
    const server = await TandemServer.start({ args: ['--max-outbound-bytes', '256KiB', '--ws-deflate', 'false'] });
    try {
      const writer = await connected(server);
      const fast = await connected(server);
      const slow = await connected(server);
      for (const c of [writer, fast, slow]) c.subscribe('flood');
      await Promise.all([writer, fast, slow].map((c) => c.waitFor(() => c.docs.get('flood').version === 0)));
      slow.ws._socket.pause();  // stops reading: the kernel buffers fill, then the server's queue
      // Loopback sockets buffer megabytes, so the flood must be larger than that: big inserts,
      // each deleted again so the document stays small.
      const chunk = 'z'.repeat(64 * 1024);
      for (let i = 0; i < 150; i++) {
        writer.edit('flood', [chunk]);
        writer.edit('flood', [{ d: chunk.length }]);
        await writer.waitFor(() => writer.docs.get('flood').synced, 10000 * slowFactor);
        if (/reads too slowly/.test(server.log)) break;
      }
      writer.edit('flood', ['end']);
      await writer.waitFor(() => writer.docs.get('flood').synced, 10000 * slowFactor);
      const version = writer.docs.get('flood').version;
      await fast.waitFor(() => fast.docs.get('flood').version === version, 10000 * slowFactor);
      assert.equal(fast.docs.get('flood').text, 'end');
      assert.match(server.log, /reads too slowly/);
      slow.ws._socket.resume();
      await slow.waitFor(() => slow.closed, 10000);
      assert.ok([4008, 1006].includes(slow.closed.code), `closed with ${slow.closed.code}`);
      writer.close(); fast.close();
    } finally {
      await server.stop();
    }
  });
});
