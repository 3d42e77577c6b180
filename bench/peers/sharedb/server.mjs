// ShareDB peer for side-by-side benchmarks (issue 8): the real `sharedb` package with the
// `ot-text-unicode` type (the OT type Tandem is compatible with) over `ws`, one document
// collection `docs`, its default in-memory database. No code of ShareDB's is copied here.
//
//   node bench/peers/sharedb/server.mjs [--port 0]
//
// Prints "listening on http://127.0.0.1:PORT" once ready; exits on SIGTERM/SIGINT.
// A document is created empty (type text-unicode) the first time a client subscribes to it, so
// every client can subscribe and submit without racing to create it.
//
// Not like for like, and said so wherever its figures appear: the in-memory database keeps
// nothing on disk, so an acknowledgement here is not a durability promise (Tandem fsyncs before
// every ack).
import http from 'node:http';
import ShareDB from 'sharedb';
import { type as textUnicode } from 'ot-text-unicode';
import { WebSocketServer } from 'ws';
import WebSocketJSONStream from '@teamwork/websocket-json-stream';

const portAt = process.argv.indexOf('--port');
const port = portAt >= 0 ? Number(process.argv[portAt + 1]) : 0;

ShareDB.types.register(textUnicode);
const backend = new ShareDB({ presence: false, doNotForwardSendPresenceErrorsToClient: true });

// Subscribing creates the document when it does not exist yet (once, however many ask at once).
const creating = new Map();
function ensureDocument(collection, id) {
  const key = `${collection}/${id}`;
  if (!creating.has(key)) {
    creating.set(key, new Promise((resolve) => {
      const doc = backend.connect().get(collection, id);
      doc.fetch((fetchError) => {
        if (fetchError || doc.type) return resolve();
        doc.create('', textUnicode.uri, () => resolve());  // an "already exists" race is fine
      });
    }));
  }
  return creating.get(key);
}
backend.use('receive', (context, next) => {
  const { a, c, d } = context.data ?? {};
  // Subscriptions only: the fetch below comes through here too and must not wait on itself.
  if (a === 's' && typeof c === 'string' && typeof d === 'string') {
    ensureDocument(c, d).then(() => next(), next);
  } else {
    next();
  }
});

const server = http.createServer((request, response) => {
  response.writeHead(404, { 'Content-Type': 'text/plain' });
  response.end('ShareDB peer: WebSocket only\n');
});
const wss = new WebSocketServer({ server });
wss.on('connection', (socket) => {
  const stream = new WebSocketJSONStream(socket);
  // A client that vanished mid-write (EPIPE) must cost its connection, not the process: with
  // no listener, the stream's 'error' event would end the whole server.
  stream.on('error', () => socket.terminate());
  backend.listen(stream);
});

server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
const stop = () => {
  for (const client of wss.clients) client.terminate();
  server.close(() => backend.close(() => process.exit(0)));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
