// Fixed ports for servers that must come back where their clients and proxies expect them
// (a Redis, a node or a proxy restarted on the same port). Picked below the kernel's ephemeral
// range (32768 and up): a port once ours and then freed by a kill could otherwise be taken as
// the source port of any outgoing connection before the server binds it again.
import net from 'node:net';

// Ports handed out by this process, never handed out twice.
const portsGiven = new Set();

export async function freePort() {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (portsGiven.has(port)) continue;
    const free = await new Promise((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      portsGiven.add(port);
      return port;
    }
  }
  throw new Error('no free port found in 20000-31999');
}

// Resolves once something accepts TCP connections on 127.0.0.1:port; rejects after timeoutMs,
// or at once when `child` (the process meant to listen) has exited.
export async function waitForPort(port, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`exited (${child.exitCode ?? child.signalCode}) before listening on ${port}`);
    }
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
