// Where the CPU goes during a cluster run, from /proc: the nodes, PostgreSQL (the postmaster and
// every backend it forked), Redis, the generator, and the rest of the machine (other users of the
// shared cores). A sample is CPU seconds per group plus the machine's busy seconds; the
// difference of two samples over their wall time is cores.
import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ: /proc/PID/stat counts in 1/100 s on every Linux this runs on.
const TICKS_PER_SECOND = 100;

// utime + stime of PID in seconds, and its parent; null when it is gone.
function processTimes(pid) {
  let stat;
  try { stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return null; }
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
}

// Every process whose parent is `parent` (PostgreSQL's backends), with their times.
function childrenOf(parent) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const times = processTimes(name);
    if (times && times.ppid === parent) found.push(times.seconds);
  }
  return found;
}

// The machine's busy CPU seconds (all cores, everything but idle and iowait) from /proc/stat.
function machineBusySeconds() {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = cpu;
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

// `groups`: { name: [pid, ...] }; `postmaster`: PostgreSQL's main PID (its backends are added),
// or null. A process that is gone counts 0 from then on, so compare samples of one run only.
export function sampleCpu(groups, postmaster) {
  const seconds = {};
  for (const [name, pids] of Object.entries(groups)) {
    seconds[name] = pids.reduce((sum, pid) => sum + (processTimes(pid)?.seconds ?? 0), 0);
  }
  if (postmaster) {
    seconds.postgres = (processTimes(postmaster)?.seconds ?? 0) +
      childrenOf(postmaster).reduce((sum, s) => sum + s, 0);
  }
  return { at: performance.now(), seconds, machine: machineBusySeconds() };
}

// Cores each group used between two samples, plus `machine` (all busy cores) and `others`
// (busy cores not ours: the rest of the machine).
export function coresBetween(before, after) {
  if (!before || !after) return null;
  const wall = (after.at - before.at) / 1000;
  if (wall <= 0) return null;
  const cores = { window_s: wall };
  let ours = 0;
  for (const name of Object.keys(after.seconds)) {
    cores[name] = (after.seconds[name] - (before.seconds[name] ?? 0)) / wall;
    ours += cores[name];
  }
  cores.machine = (after.machine - before.machine) / wall;
  cores.others = Math.max(0, cores.machine - ours);
  return cores;
}

// PostgreSQL's main PID, from the first line of DATA/postmaster.pid.
export function postmasterPid(dataDirectory) {
  try {
    return Number(readFileSync(`${dataDirectory}/postmaster.pid`, 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
}
