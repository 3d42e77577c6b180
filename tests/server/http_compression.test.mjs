// Compression on the HTTP transports (issue #5): poll bodies, POST answers and SSE streams are
// gzip-compressed for clients that accept it (Accept-Encoding), bodies only above 1 KiB, with an
// honest Content-Length on bodies and chunked SSE (no length) for HTTP/1.1 requests.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { TandemServer } from '../support/tandem_process.mjs';
import { SseConnection, poll, send } from '../support/http_transport.mjs';

const GZIP = { 'Accept-Encoding': 'gzip' };

function assertIdentity(res) {
  assert.equal(res.headers['content-encoding'], undefined);
  assert.equal(Number(res.headers['content-length']), res.raw.length, 'Content-Length is the body length');
}

function assertGzip(res) {
  assert.equal(res.headers['content-encoding'], 'gzip');
  assert.equal(Number(res.headers['content-length']), res.raw.length, 'Content-Length is the compressed length');
  assert.equal(res.headers['transfer-encoding'], undefined);
  assert.match(res.headers.vary, /Accept-Encoding/i);
  assert.ok(res.raw.length < Buffer.byteLength(res.body), `${res.raw.length} compressed bytes for ${Buffer.byteLength(res.body)}`);
}

describe('gzip on the HTTP transports', () => {
  let server;
  before(async () => {
    server = await TandemServer.start();
    // A document whose snapshot is large (3 KiB) and one whose snapshot is small.
    const text = 'All work and no play makes Jack a dull boy. '.repeat(70);
    await send(server.url, 'seed', [
      { t: 'op', doc: 'large', v: 0, seq: 1, op: [text] },
      { t: 'op', doc: 'small', v: 0, seq: 1, op: ['hi'] },
    ]);
  });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  test('a poll body above 1 KiB is compressed when gzip is accepted, with an honest length', async () => {
    const plain = await poll(server.url, 'plain-reader', ['large']);
    assertIdentity(plain);
    assert.ok(plain.raw.length > 1024);
    assert.match(plain.headers.vary, /Accept-Encoding/i);
    const compressed = await poll(server.url, 'gzip-reader', ['large'], { headers: GZIP });
    assertGzip(compressed);
    assert.deepEqual(compressed.messages, plain.messages);
    assert.deepEqual(JSON.parse(zlib.gunzipSync(compressed.raw)), plain.messages);
  });

  test('nothing below the threshold is compressed', async () => {
    const small = await poll(server.url, 'small-reader', ['small'], { headers: GZIP });
    assert.ok(small.raw.length < 1024);
    assertIdentity(small);
    assert.equal(small.messages[0].text, 'hi');
    const refusal = await poll(server.url, 'small-reader', ['bad/id'], { headers: GZIP });
    assert.equal(refusal.status, 400);
    assertIdentity(refusal);
  });

  test('Accept-Encoding is read by its weights: q=0 forbids, * allows, other codings do not', async () => {
    const cases = [
      ['gzip', true], ['GZIP', true], ['deflate, gzip;q=0.5', true], ['br;q=1, *;q=0.1', true],
      ['*', true], ['x-gzip', true],
      ['gzip;q=0', false], ['gzip; q=0.0', false], ['gzip;q=0.000', false], ['*, gzip;q=0', false],
      ['deflate, br', false], ['identity', false], ['', false], ['*;q=0', false],
    ];
    for (const [value, compressed] of cases) {
      const res = await poll(server.url, 'weights', ['large'], { headers: { 'Accept-Encoding': value } });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-encoding'], compressed ? 'gzip' : undefined, `Accept-Encoding: ${value}`);
      assert.equal(Number(res.headers['content-length']), res.raw.length);
    }
  });

  test('POST answers above 1 KiB are compressed, small ones not', async () => {
    const pings = Array.from({ length: 60 }, (_, i) => ({ t: 'ping', id: i }));
    const big = await send(server.url, 'pinger', pings, { headers: GZIP });
    assert.equal(big.status, 200);
    assertGzip(big);
    assert.equal(big.json.results.length, 60);
    const plain = await send(server.url, 'pinger', pings);
    assertIdentity(plain);
    assert.deepEqual(plain.json, big.json);
    const small = await send(server.url, 'pinger', [{ t: 'ping', id: 1 }], { headers: GZIP });
    assertIdentity(small);
  });

  test('an SSE stream is gzip-compressed for clients that accept it, each event decodable at once', async () => {
    const sse = await SseConnection.open(server.url, 'gzip-sse', ['large', 'small@0'], { headers: GZIP });
    assert.equal(sse.status, 200);
    assert.equal(sse.headers['content-encoding'], 'gzip');
    assert.equal(sse.headers['content-length'], undefined);
    assert.equal(sse.headers['transfer-encoding'], 'chunked');
    assert.equal(sse.headers['cache-control'], 'no-cache, no-transform');
    assert.equal(sse.headers['x-accel-buffering'], 'no');
    assert.match(sse.headers['content-type'], /^text\/event-stream/);
    // Every event arrives whole while the stream stays open: a sync flush after each write.
    await sse.waitFor((s) => s.messages.some((m) => m.t === 'snapshot'), 5000, 'the snapshot');
    await sse.waitFor((s) => s.messages.some((m) => m.t === 'op' && m.doc === 'small'), 5000, 'the op');
    await send(server.url, 'late-writer', [{ t: 'op', doc: 'small', v: 1, seq: 1, op: [2, '!'] }]);
    await sse.waitFor((s) => s.lastEventId === 'large@1,small@2', 5000, 'the live op');
    assert.ok(!sse.ended);
    // The 2 KiB padding and the snapshot compress well.
    assert.ok(sse.rawBytes < 2048, `${sse.rawBytes} bytes on the wire`);
    sse.destroy();

    const plain = await SseConnection.open(server.url, 'plain-sse', ['large']);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers['content-length'], undefined);
    assert.equal(plain.headers['transfer-encoding'], 'chunked');
    await plain.waitFor((s) => s.messages.some((m) => m.t === 'snapshot'), 5000, 'the snapshot');
    assert.ok(plain.rawBytes > 2048 + 3000);
    plain.destroy();
  });
});
