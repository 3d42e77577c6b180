// What a bench run ran on, for its results files: the machine, the versions, the commit.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export function describeMachine(root) {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const version = (name) => JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  let commit = 'unknown';
  try { commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    memory_gib: Number(meminfo.match(/MemTotal:\s+(\d+)/)[1]) / 1048576,
    cpu: cpuinfo.match(/model name\s*:\s*(.+)/)?.[1] ?? 'unknown',
    load_average: os.loadavg()[0],
    node: process.version,
    sharedb: version('sharedb'),
    socketio: version('socket.io'),
    commit,
  };
}
