// Small HTTP helpers over node:http and node:net, for talking to a real server in tests.
import http from 'node:http';
import net from 'node:net';

// One request; resolves {status, headers, body (string), json (parsed when JSON)}.
export function request(url, { method = 'GET', headers = {}, body, agent } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { data += chunk; });
      res.on('end', () => {
        let json;
        if ((res.headers['content-type'] ?? '').startsWith('application/json') && data) {
          json = JSON.parse(data);
        }
        resolve({ status: res.statusCode, headers: res.headers, body: data, json, socket: res.socket });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// Opens a raw TCP connection; `received` collects everything the server sends.
export function rawConnection(port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host }, () => resolve(wrap(socket)));
    socket.once('error', reject);
  });
}

function wrap(socket) {
  const state = { socket, received: '', closed: false };
  socket.setEncoding('utf8');
  socket.on('data', (d) => { state.received += d; });
  state.closedPromise = new Promise((resolve) => {
    socket.on('close', () => { state.closed = true; resolve(); });
  });
  socket.on('error', () => {});
  state.send = (text) => new Promise((resolve) => socket.write(text, resolve));
  // Resolves when the server has closed the connection, or rejects after timeoutMs.
  state.waitClosed = (timeoutMs = 5000) => Promise.race([
    state.closedPromise,
    new Promise((_, reject) => setTimeout(
      () => reject(new Error(`connection still open after ${timeoutMs} ms; got: ${state.received}`)),
      timeoutMs)),
  ]);
  state.waitFor = async (pattern, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(state.received)) {
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms; got: ${state.received}`);
      if (state.closed) throw new Error(`closed before ${pattern}; got: ${state.received}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return state;
}
