// Starts the benchmark peers of bench/peers/ (ShareDB, Socket.IO) as real processes on port 0,
// for the tests that check them and the ones that load them with `tandem bench --target`.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './tandem_process.mjs';

const started = new Set();

// For an `after` hook: kills (by PID) every peer a failed test left running.
export function killPeers() {
  for (const child of started) child.kill('SIGKILL');
  started.clear();
}

// Resolves { url, pid, stop } once the peer printed its "listening on" line.
export function startPeer(name) {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bench/peers', name, 'server.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  started.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (match) resolve({ url: match[1], pid: child.pid, stop: () => stopPeer(child) });
    });
    child.on('exit', (code) => reject(new Error(`${name} peer exited with ${code}: ${out}`)));
  });
}

// SIGTERM, then resolves { code, signal } when the peer exited.
function stopPeer(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      started.delete(child);
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => { started.delete(child); resolve({ code, signal }); });
    child.kill('SIGTERM');
  });
}
