// The servers bench/compare runs in turn, each started fresh on a free loopback port: Tandem
// (`tandem serve`, fsync before every ack) and the peers of bench/peers/ (from their npm
// packages). Every process is started with the descriptor limit raised to the hard limit, and
// stopped by PID.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const SYSTEMS = {
  tandem: { transports: ['websocket', 'sse', 'poll'] },
  sharedb: { transports: ['websocket'] },
  socketio: { transports: ['websocket', 'poll'] },
};

// Runs `argv` under a shell that first lifts `ulimit -n` (the load needs thousands of sockets).
export function spawnWithFiles(argv, options) {
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return spawn('/bin/bash', ['-c', `ulimit -n "$(ulimit -Hn)"; exec ${quoted}`], options);
}

// Starts `system`; resolves { url, pid, stop() } once it listens. `args`: more `tandem serve`
// flags (bench/cluster: --store, --bus).
export function startServer(system, { root, tandemBin, args = [] }) {
  let argv;
  let data;
  if (system === 'tandem') {
    data = mkdtempSync(path.join(os.tmpdir(), 'tandem-compare-'));
    argv = [tandemBin, 'serve', '--listen', '127.0.0.1:0', '--data', data,
      // One generator address stands for thousands of users: no per-address limits.
      '--max-connections-per-ip', '0', '--ops-per-second-per-ip', '0', '--presence-per-second-per-ip', '0',
      '--new-docs-per-minute-per-ip', '0', '--max-held-requests', '100000', ...args];
  } else {
    argv = [process.execPath, path.join(root, 'bench/peers', system, 'server.mjs'), '--port', '0'];
  }
  const child = spawnWithFiles(argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const cleanup = () => { if (data) rmSync(data, { recursive: true, force: true }); };
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { cleanup(); resolve(); return; }
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(timer); cleanup(); resolve(); });
    child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const look = (chunk) => {
      out += chunk;
      const match = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (match) {
        child.stdout.removeAllListeners('data');
        child.stderr.removeAllListeners('data');
        child.stdout.resume();
        child.stderr.resume();
        resolve({ url: match[1], pid: child.pid, stop });
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.once('exit', (code) => { cleanup(); reject(new Error(`${system} exited with ${code}: ${out}`)); });
  });
}
