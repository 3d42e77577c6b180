// SSE framing (issue 19): an HTTP/1.1 request gets a chunked event stream, ended by the last
// chunk when the server ends it on purpose; an HTTP/1.0 request (nginx's default upstream
// protocol) gets the stream delimited by the connection's close, HTTP/1.0 having no chunks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TandemServer, slowFactor } from '../support/tandem_process.mjs';
import { rawConnection } from '../support/http_client.mjs';

let server;
before(async () => { server = await TandemServer.start({ args: ['--sse-max-lifetime', '1s'] }); });
after(async () => { await server?.stop(); });

// Splits a raw answer into its head and the chunks of its body, checking the framing strictly.
function dechunk(body) {
  const chunks = [];
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    assert.ok(lineEnd > 0, `no chunk size line in ${JSON.stringify(rest.slice(0, 80))}`);
    const size = parseInt(rest.slice(0, lineEnd), 16);
    assert.ok(Number.isInteger(size), `bad chunk size line ${JSON.stringify(rest.slice(0, lineEnd))}`);
    const data = rest.slice(lineEnd + 2, lineEnd + 2 + size);
    assert.equal(Buffer.byteLength(data), size, 'chunk sizes count bytes (the stream is ASCII here)');
    assert.equal(rest.slice(lineEnd + 2 + size, lineEnd + 4 + size), '\r\n', 'a chunk ends in CRLF');
    rest = rest.slice(lineEnd + 4 + size);
    if (size === 0) return { chunks, after: rest };
    chunks.push(data);
  }
}

test('an HTTP/1.1 request gets a chunked stream that ends with the last chunk', async () => {
  const conn = await rawConnection(server.port);
  await conn.send(`GET /v1/sse?client=framing11&sub=framing HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAccept: text/event-stream\r\n\r\n`);
  // The lifetime (1 s) ends the stream; the server then closes the connection.
  await conn.waitClosed(10000 * slowFactor);
  const [head, body] = conn.received.split(/\r\n\r\n(.*)/s);
  assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(head, /\r\nTransfer-Encoding: chunked(\r\n|$)/i);
  assert.match(head, /\r\nConnection: close(\r\n|$)/i);
  assert.doesNotMatch(head, /Content-Length/i);
  const { chunks, after } = dechunk(body);
  assert.equal(after, '', 'nothing after the last chunk');
  const events = chunks.join('');
  assert.match(events, /^: {2048}\nretry: 1000\n\ndata: \{"t":"welcome"/);
  assert.match(events, /\nid: framing@0\ndata: \{"t":"snapshot","doc":"framing","v":0/);
});

test('an HTTP/1.0 request gets the stream delimited by the close', async () => {
  const conn = await rawConnection(server.port);
  await conn.send('GET /v1/sse?client=framing10&sub=framing HTTP/1.0\r\nAccept: text/event-stream\r\n\r\n');
  await conn.waitClosed(10000 * slowFactor);
  const [head, body] = conn.received.split(/\r\n\r\n(.*)/s);
  assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
  assert.doesNotMatch(head, /Transfer-Encoding/i);
  assert.doesNotMatch(head, /Content-Length/i);
  assert.match(body, /^: {2048}\nretry: 1000\n\ndata: \{"t":"welcome"/);
  assert.match(body, /\nid: framing@0\ndata: \{"t":"snapshot"/);
  assert.doesNotMatch(body, /\r\n0\r\n\r\n$/);
});
