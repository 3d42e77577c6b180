// A throwaway redis-server for node tests of `tandem serve --bus redis://...`: `redis-server
// --save "" --appendonly no --port P --bind 127.0.0.1` on a free loopback port, killed by PID and
// startable again on the same port (a Redis restart). The C++ tests have the same harness in
// tests/bus/redis_test_server.cpp.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { slowFactor } from './tandem_process.mjs';
import { freePort } from './free_port.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Where redis-server is: $TANDEM_REDIS_SERVER, else found on PATH; null when not installed.
export function redisServerBinary() {
  if (process.env.TANDEM_REDIS_SERVER) return process.env.TANDEM_REDIS_SERVER;
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server']).toString().trim() || null;
  } catch {
    return null;
  }
}

// Why the Redis tests cannot run here, or null when they can. Only a missing binary is a reason
// to skip; scripts/install-deps installs it.
export function redisUnavailable() {
  return redisServerBinary() === null ? 'redis-server not found; scripts/install-deps installs it' : null;
}

export { freePort };

// True when the redis-server with this PID answers on the port (INFO server names its process:
// not another test's server that took the port first).
function answersAsProcess(port, pid) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (d) => {
      reply += d;
      if (reply.includes(`process_id:${pid}\r\n`)) done(true);
      else if (reply.startsWith('-') || reply.length > 65536) done(false);
    });
  });
}

export class RedisServer {
  // Started on `port` when given (e.g. one a tandem node already tries), else on a free one.
  static async start({ port } = {}) {
    const server = new RedisServer(mkdtempSync(path.join(tmpdir(), 'tandem-redis-')));
    server.port = port ?? await freePort();
    await server.startProcess();
    return server;
  }

  constructor(dir) {
    this.dir = dir;
    this.port = 0;
    this.child = null;
  }

  get url() { return `redis://127.0.0.1:${this.port}`; }
  get running() { return this.child !== null; }

  // Starts the process on this.port (again, after kill()); resolves once it answers.
  async startProcess() {
    const binary = redisServerBinary();
    const deadline = Date.now() + 20000 * slowFactor;
    for (;;) {
      const child = spawn(binary, ['--save', '', '--appendonly', 'no', '--port', String(this.port),
        '--bind', '127.0.0.1', '--dir', this.dir, '--logfile', path.join(this.dir, 'redis.log'),
        '--daemonize', 'no'], { stdio: 'ignore' });
      const exited = new Promise((resolve) => child.once('exit', () => resolve(true)));
      this.child = child;
      while (Date.now() < deadline) {
        if (await answersAsProcess(this.port, child.pid)) return;
        if (await Promise.race([exited, sleep(50).then(() => false)])) break;
      }
      await this.kill();
      if (Date.now() >= deadline) {
        throw new Error(`redis-server did not start on port ${this.port}:\n${this.log()}`);
      }
      await sleep(100);  // the port may be held a moment after a kill: try again
    }
  }

  // SIGKILL by PID; resolves once the process is gone.
  async kill() {
    const child = this.child;
    if (child === null) return;
    this.child = null;
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGKILL');
      await gone;
    }
  }

  log() {
    try { return readFileSync(path.join(this.dir, 'redis.log'), 'utf8'); } catch { return ''; }
  }

  async stop() {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
