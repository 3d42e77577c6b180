// Starts a real `tandem serve` process for a test and stops it by PID afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const tandemBin = process.env.TANDEM_BIN ?? path.join(repoRoot, 'build/release/tandem');
// Sanitized builds start and run several times slower.
export const slowFactor = process.env.TANDEM_SANITIZED ? 4 : 1;

export function makeTempDir(prefix = 'tandem-test-') {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

// Runs `tandem ARGS...` to completion; resolves {code, signal, stdout, stderr}.
export function runTandem(args, { env = {}, input, timeoutMs = 20000 * slowFactor } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(tandemBin, args, { env: { ...cleanEnv(), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tandem ${args.join(' ')} did not finish in ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

// The environment without TANDEM_* settings of the developer's shell, so tests see defaults.
function cleanEnv() {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('TANDEM_') || key === 'TANDEM_BIN') env[key] = value;
  }
  return env;
}

// A running server. `url` is http://127.0.0.1:PORT, read from its "listening on" log line.
export class TandemServer {
  // `listen` may name a fixed port, e.g. to restart a server where its clients expect it.
  // `ulimit` runs the server under a shell's `ulimit` first, e.g. '-Sn 256' (descriptor limits).
  static async start({ args = [], env = {}, dataDir, listen = '127.0.0.1:0', startTimeoutMs = 15000 * slowFactor, ulimit } = {}) {
    const ownsDataDir = dataDir === undefined;
    const dir = dataDir ?? makeTempDir();
    const argv = ['serve', '--listen', listen, '--data', dir, ...args];
    const options = { env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] };
    const child = ulimit === undefined
      ? spawn(tandemBin, argv, options)
      : spawn('/bin/bash', ['-c', `ulimit ${ulimit} && exec "$0" "$@"`, tandemBin, ...argv], options);
    const server = new TandemServer(child, dir, ownsDataDir);
    await server.#waitForListening(startTimeoutMs);
    return server;
  }

  constructor(child, dataDir, ownsDataDir) {
    this.child = child;
    this.pid = child.pid;
    this.dataDir = dataDir;
    this.ownsDataDir = ownsDataDir;
    this.log = '';
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    child.stdout.on('data', (d) => { this.log += d; });
    child.stderr.on('data', (d) => { this.log += d; });
  }

  #waitForListening(timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`server did not start in ${timeoutMs} ms; log:\n${this.log}`));
      }, timeoutMs);
      const check = () => {
        const match = /listening on (http:\/\/[^\s"]+)/.exec(this.log);
        if (match) {
          clearTimeout(timer);
          this.url = match[1];
          const { hostname, port } = new URL(this.url);
          this.host = hostname;
          this.port = Number(port);
          resolve();
        }
      };
      this.child.stderr.on('data', check);
      this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code ?? signal}) before listening; log:\n${this.log}`));
      });
    });
  }

  signal(name) {
    process.kill(this.pid, name);
  }

  // SIGTERM, then SIGKILL if it has not exited after the grace period; resolves the exit status.
  async stop(graceMs = 10000 * slowFactor) {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.signal('SIGTERM');
      const timer = setTimeout(() => {
        try { this.signal('SIGKILL'); } catch { /* already gone */ }
      }, graceMs);
      const status = await this.exited;
      clearTimeout(timer);
      this.#cleanup();
      return status;
    }
    const status = await this.exited;
    this.#cleanup();
    return status;
  }

  #cleanup() {
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
