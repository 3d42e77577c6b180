// Socket.IO peer for side-by-side benchmarks (issue 8): the real `socket.io` package, offering
// both of its transports (WebSocket and HTTP long-polling), broadcasting text ops in a room per
// document. No code of Socket.IO's is copied here.
//
//   node bench/peers/socketio/server.mjs [--port 0]
//
// Prints "listening on http://127.0.0.1:PORT" once ready; exits on SIGTERM/SIGINT.
//
// Events (what a Socket.IO text-sync app typically does, and all a load generator needs):
//   "join" doc, ack          -> the socket joins room `doc`; ack({v}) with the room's version
//   "op" {doc, seq, op}, ack -> numbered with the room's next version, sent to everyone else in
//                               the room as "op" {doc, v, client, seq, op}; ack({v})
// There is no OT and no storage: Socket.IO only relays, which is what makes it the cheapest
// possible baseline for fan-out (and why its figures are not like for like with Tandem's).
import http from 'node:http';
import { Server } from 'socket.io';

const portAt = process.argv.indexOf('--port');
const port = portAt >= 0 ? Number(process.argv[portAt + 1]) : 0;

const server = http.createServer();
const io = new Server(server, {
  transports: ['polling', 'websocket'],
  cors: { origin: true },
  maxHttpBufferSize: 1e6,
});
const versions = new Map();  // doc -> next version

io.on('connection', (socket) => {
  socket.on('join', (doc, ack) => {
    if (typeof doc !== 'string') return;
    socket.join(doc);
    if (typeof ack === 'function') ack({ v: versions.get(doc) ?? 0 });
  });
  socket.on('op', (message, ack) => {
    if (!message || typeof message.doc !== 'string' || !socket.rooms.has(message.doc)) return;
    const v = versions.get(message.doc) ?? 0;
    versions.set(message.doc, v + 1);
    socket.to(message.doc).emit('op', { doc: message.doc, v, client: socket.id, seq: message.seq, op: message.op });
    if (typeof ack === 'function') ack({ v });
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
const stop = () => {
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
