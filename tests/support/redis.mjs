// A throwaway Redis for the cluster tests' bus (`tandem serve --bus redis://...`):
// `redis-server --save "" --appendonly no` (nothing on disk) on a free loopback port, in its own
// temp directory. kill() is a crash (SIGKILL by PID), restart() brings it back on the same port
// (empty: Redis pub/sub keeps nothing anyway), stop() ends it and removes the directory.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free_port.mjs';
import { slowFactor } from './tandem_process.mjs';

const REDIS_BIN = process.env.TANDEM_REDIS_SERVER ?? 'redis-server';

// Why the Redis tests cannot run here, or null when they can. Only a missing binary is a reason
// to skip; scripts/install-deps installs it.
export function redisUnavailable() {
  const probe = spawnSync(REDIS_BIN, ['--version'], { stdio: 'ignore' });
  return probe.error ? `${REDIS_BIN} not found; scripts/install-deps installs redis-server` : null;
}

export class RedisServer {
  static async start() {
    const unavailable = redisUnavailable();
    if (unavailable) throw new Error(unavailable);
    const server = new RedisServer(mkdtempSync(path.join(tmpdir(), 'tandem-redis-')));
    for (let attempt = 0; ; attempt++) {
      server.port = await freePort();
      try {
        await server.startProcess();
        return server;
      } catch (error) {
        if (attempt >= 4) {
          await server.stop();
          throw error;
        }
      }
    }
  }

  constructor(dir) {
    this.dir = dir;
    this.port = 0;
    this.child = null;
    this.log = '';
  }

  get url() { return `redis://127.0.0.1:${this.port}`; }
  get pid() { return this.child?.pid; }
  get running() { return this.child !== null && this.child.exitCode === null && this.child.signalCode === null; }

  // Starts redis-server on this.port (again, after kill()) and waits until it accepts commands.
  startProcess(timeoutMs = 15000 * slowFactor) {
    const child = spawn(REDIS_BIN, [
      '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', this.dir, '--daemonize', 'no', '--loglevel', 'notice',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const collect = (d) => { this.log += d; };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const logStart = this.log.length;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        try { child.kill('SIGKILL'); } catch { /* gone */ }
        reject(new Error(`redis-server did not start on ${this.port} in ${timeoutMs} ms:\n${this.log.slice(logStart)}`));
      }, timeoutMs);
      const check = () => {
        if (/Ready to accept connections/.test(this.log.slice(logStart))) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', check);
      child.once('error', (error) => { clearTimeout(timer); reject(error); });
      child.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code ?? signal}) on port ${this.port}:\n${this.log.slice(logStart)}`));
      });
    });
  }

  // A crash: SIGKILL by PID; resolves once the process is gone.
  async kill() {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.child.exited;
  }

  // Back on the same port, as an operator's restart would do; the port may need a moment.
  async restart() {
    await this.kill();
    const deadline = Date.now() + 30000 * slowFactor;
    for (;;) {
      try {
        return await this.startProcess();
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  async stop() {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => { try { this.child.kill('SIGKILL'); } catch { /* gone */ } }, 5000);
      await this.child.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
