// Cell 7's fault proxy: passes plain HTTP through to Tandem untouched and breaks only the
// WebSocket upgrade, in one of three ways seen in the field:
//   silent  passes the upgrade and Tandem's 101, then forwards nothing in either direction
//           (the "silent socket": the browser's WebSocket is open and never hears a word);
//   500     answers the upgrade itself with a 500 error page (the Sente report);
//   hang    accepts the connection and never answers the upgrade.
import net from 'node:net';

const ERROR_PAGE = '<html><body><h1>500 Internal Server Error</h1></body></html>\n';

export class FaultProxy {
  constructor({ mode, upstreamPort }) {
    if (!['silent', '500', 'hang'].includes(mode)) throw new Error(`unknown fault mode ${mode}`);
    this.mode = mode;
    this.upstreamPort = upstreamPort;
    this.sockets = new Set();
    this.upgrades = 0;  // upgrade requests seen (and broken)
    this.server = net.createServer((socket) => this.#accept(socket));
  }

  listen(port) {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', resolve);
    });
  }

  async stop() {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  #track(socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  #accept(client) {
    this.#track(client);
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      client.off('data', onData);
      client.pause();
      const isUpgrade = /^upgrade:\s*websocket\s*$/im.test(head.subarray(0, end).toString('latin1'));
      if (!isUpgrade) return this.#pipe(client, head);
      this.upgrades += 1;
      if (this.mode === '500') {
        client.end('HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\n'
          + `Content-Length: ${ERROR_PAGE.length}\r\nConnection: close\r\n\r\n${ERROR_PAGE}`);
      } else if (this.mode === 'silent') {
        this.#passUpgradeThenSilence(client, head);
      }
      // hang: keep the socket open and say nothing.
    };
    client.on('data', onData);
  }

  #pipe(client, head) {
    const upstream = net.connect(this.upstreamPort, '127.0.0.1');
    this.#track(upstream);
    upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  #passUpgradeThenSilence(client, head) {
    const upstream = net.connect(this.upstreamPort, '127.0.0.1');
    this.#track(upstream);
    upstream.write(head);
    let response = Buffer.alloc(0);
    let passed = false;
    upstream.on('data', (chunk) => {
      if (passed) return;  // everything after the 101 is swallowed
      response = Buffer.concat([response, chunk]);
      const end = response.indexOf('\r\n\r\n');
      if (end < 0) return;
      passed = true;
      client.write(response.subarray(0, end + 4));
    });
    client.on('data', () => {});  // swallowed too: the hello never reaches Tandem
    client.resume();
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
