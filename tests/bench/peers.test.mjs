// The benchmark peers (bench/peers/, issue 8) behave as their headers say, checked with each
// project's own client library: ShareDB's client over `ws`, and socket.io-client on both of
// Socket.IO's transports. `tandem bench --target` drivers rely on exactly this behaviour.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import ShareDBClient from 'sharedb/lib/client/index.js';
import { type as textUnicode } from 'ot-text-unicode';
import { io } from 'socket.io-client';
import { startPeer, killPeers } from '../support/peer_process.mjs';

after(killPeers);

const until = async (predicate, what, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('ShareDB peer: documents are created on subscribe, ops reach the other client, SIGTERM exits cleanly', async () => {
  ShareDBClient.types.register(textUnicode);
  const peer = await startPeer('sharedb');
  const sockets = [];
  try {
    const docs = await Promise.all([0, 1].map(async () => {
      const socket = new WebSocket(peer.url.replace('http', 'ws'));
      sockets.push(socket);
      const doc = new ShareDBClient.Connection(socket).get('docs', 'smoke');
      await new Promise((resolve, reject) => doc.subscribe((error) => (error ? reject(error) : resolve())));
      return doc;
    }));
    assert.equal(docs[0].type.name, textUnicode.name);
    assert.equal(docs[0].data, '');
    await new Promise((resolve, reject) => docs[0].submitOp(['hello'], (error) => (error ? reject(error) : resolve())));
    await until(() => docs[1].data === 'hello', 'the op reaches the other client');
    await new Promise((resolve, reject) => docs[1].submitOp([5, ' world'], (error) => (error ? reject(error) : resolve())));
    await until(() => docs[0].data === 'hello world' && docs[1].data === 'hello world', 'both clients converge');
    assert.equal(docs[0].version, 3);  // create + two ops
  } finally {
    for (const socket of sockets) socket.close();
    assert.deepEqual(await peer.stop(), { code: 0, signal: null });
  }
});

for (const transport of ['websocket', 'polling']) {
  test(`Socket.IO peer over ${transport}: join gives the version, ops are numbered, acked and relayed to the room`, async () => {
    const peer = await startPeer('socketio');
    const clients = [0, 1].map(() => io(peer.url, { transports: [transport], forceNew: true }));
    try {
      const joined = await Promise.all(clients.map((c) => c.timeout(5000).emitWithAck('join', 'room-doc')));
      assert.deepEqual(joined, [{ v: 0 }, { v: 0 }]);
      assert.equal(clients[0].io.engine.transport.name, transport);
      const seen = [];
      clients[1].on('op', (message) => seen.push(message));
      const ack = await clients[0].timeout(5000).emitWithAck('op', { doc: 'room-doc', seq: 1, op: [0, 'x'] });
      assert.deepEqual(ack, { v: 0 });
      await until(() => seen.length === 1, 'the op relayed to the other client');
      assert.deepEqual(seen[0], { doc: 'room-doc', v: 0, client: clients[0].id, seq: 1, op: [0, 'x'] });
      const second = await clients[1].timeout(5000).emitWithAck('op', { doc: 'room-doc', seq: 1, op: [1, 'y'] });
      assert.deepEqual(second, { v: 1 });
    } finally {
      for (const client of clients) client.close();
      assert.deepEqual(await peer.stop(), { code: 0, signal: null });
    }
  });
}
