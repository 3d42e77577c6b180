// bench/cluster: issue 17's speed figures. Three `tandem serve` nodes on one throwaway
// PostgreSQL (tests/support/postgres.mjs) and one redis-server (tests/support/redis_server.mjs),
// loaded by one `tandem bench` with the clients spread over the nodes round-robin; the same
// loads against one node on SQLite in the same run, for comparison (docs/bench.md).
//
//   node bench/cluster/run.mjs [--runs N] [--duration S] [--docs D] [--only KEY,...]
//                              [--out DIR] [--perf FILE] [--statements] [--smoke]
//
// Each measurement gets a fresh database, a fresh channel prefix and freshly started nodes.
// Prints the figures (medians over --runs, default 3) and writes cluster.md and cluster.json
// into DIR (default bench/results). `--perf FILE` records `perf record -a -g` for a few seconds
// of the first cluster throughput window into FILE. `--statements` loads pg_stat_statements
// (a few % of PostgreSQL's CPU) and keeps each cluster measurement's top statements. `--smoke`:
// tiny and short, to check the pipeline, not the bounds. TANDEM_BIN picks the binary (default
// build/release/tandem).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PostgresServer, postgresUnavailable } from '../../tests/support/postgres.mjs';
import { RedisServer, redisUnavailable } from '../../tests/support/redis_server.mjs';
import { spawnWithFiles, startServer } from '../compare/servers.mjs';
import { describeMachine } from '../compare/machine.mjs';
import { commonOptions, flag, root } from '../compare/command_line.mjs';
import { coresBetween, postmasterPid, sampleCpu } from './cpu_sampler.mjs';
import { renderCluster } from './markdown.mjs';

const { smoke, outDir, duration, tandemBin } = commonOptions(15);
const runs = Number(flag('--runs', smoke ? '1' : '3'));
const perfFile = flag('--perf', null);
// Documents (= writers) of the throughput measurement.
const throughputDocs = flag('--docs', '2000');
// Some measurements only (throughput, hot, cross), e.g. to try another --docs.
const only = flag('--only', null)?.split(',') ?? null;
const statements = process.argv.includes('--statements');
const NODES = 3;
const log = (line) => process.stderr.write(`${line}\n`);
const size = (full, tiny) => String(smoke ? tiny : full);
const ms = (us) => us / 1000;

const unavailable = postgresUnavailable() ?? redisUnavailable();
if (unavailable) {
  log(`bench/cluster: ${unavailable}`);
  process.exit(2);
}

// What is measured. `single`: also against one node on SQLite, in the same run.
const ALL_MEASUREMENTS = [
  {
    key: 'throughput',
    name: 'durable confirmed ops/s, many documents',
    scenario: 'docs',
    // One writer per document keeping one op in flight, as the one-node figure of issue 4.
    args: ['--clients', size(throughputDocs, 6), '--docs', size(throughputDocs, 6), '--rate', '20'],
    bound: '≥ 20,000 confirmed ops/s',
    figures: (r) => ({
      confirmed_per_s: r.ops.confirmed_per_s,
      confirm_p50_ms: ms(r.latency.submit_to_confirm.p50_us),
      confirm_p99_ms: ms(r.latency.submit_to_confirm.p99_us),
    }),
    met: (f) => f.confirmed_per_s >= 20000,
    single: true,
  },
  {
    key: 'hot',
    name: 'one hot document, 300 authors × 2 ops/s',
    scenario: 'authors',
    args: ['--clients', size(300, 6), '--rate', '2'],
    bound: 'p95 submit → everyone else < 150 ms; commit p99 < 50 ms (measured: ack p99, which includes the commit)',
    figures: (r) => ({
      all_delivered_p95_ms: ms(r.latency.submit_to_all_delivered.p95_us),
      ack_p99_ms: ms(r.latency.submit_to_confirm.p99_us),
      confirmed_per_s: r.ops.confirmed_per_s,
    }),
    met: (f) => f.all_delivered_p95_ms < 150 && f.ack_p99_ms < 50,
    single: true,
  },
  {
    key: 'cross',
    name: 'cross-node delivery, 200 authors × 2 ops/s',
    scenario: 'authors',
    args: ['--clients', size(200, 6), '--rate', '2'],
    // Every op has readers on the two other nodes, so its last receipt is a cross-node delivery.
    bound: 'p99 author on A → reader on B < 100 ms (measured: p99 submit → every other client, on all 3 nodes)',
    figures: (r) => ({
      all_delivered_p99_ms: ms(r.latency.submit_to_all_delivered.p99_us),
      first_delivered_p99_ms: ms(r.latency.submit_to_first_delivered.p99_us),
      confirmed_per_s: r.ops.confirmed_per_s,
    }),
    met: (f) => f.all_delivered_p99_ms < 100,
    single: false,
  },
];

const MEASUREMENTS = ALL_MEASUREMENTS.filter((m) => !only || only.includes(m.key));

// `perf record -a -g` for `seconds`, into perfFile; resolves when it is done.
function recordPerf(seconds) {
  return new Promise((resolve) => {
    const child = spawn('perf', ['record', '-a', '-g', '-F', '499', '-o', perfFile, '--', 'sleep', String(seconds)],
      { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

// One `tandem bench` against `urls`; CPU is sampled at every progress line of the measured
// window, so the split covers the window (less its first second) and nothing of the ramp-up.
function runBench({ urls, scenario, args, groups, postmaster, perf }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tandem-cluster-run-'));
  const json = path.join(dir, 'report.json');
  const argv = ['bench', scenario, ...urls.flatMap((url) => ['--url', url]), '--json', json,
    '--duration', String(duration), ...args];
  const child = spawnWithFiles([tandemBin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  const samples = [];
  let perfDone = Promise.resolve(false);
  let output = '';
  let partial = '';
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (chunk) => {
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop();
    for (const line of lines) {
      if (!/\] run /.test(line)) { output += `${line}\n`; continue; }
      samples.push(sampleCpu({ ...groups, generator: [child.pid] }, postmaster));
      if (perf && samples.length === 1) perfDone = recordPerf(Math.min(8, Math.max(1, duration - 3)));
    }
  });
  return new Promise((resolve, reject) => {
    child.once('exit', async (code) => {
      await perfDone;
      try {
        const report = JSON.parse(readFileSync(json, 'utf8'));
        report.exit = code;
        report.cpu = samples.length >= 2 ? coresBetween(samples[0], samples.at(-1)) : null;
        resolve(report);
      } catch {
        reject(new Error(`tandem ${argv.join(' ')} exited with ${code} and no report:\n${output}`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

// The store's and the bus's counters of every node, summed: commits and writes give the
// group-commit factor (ops per transaction), published and received the bus's traffic.
const COUNTERS = ['tandem_store_commits_total', 'tandem_store_writes_total',
  'tandem_store_failed_commits_total', 'tandem_bus_published_total', 'tandem_bus_received_total'];
async function scrapeCounters(nodes) {
  const sums = Object.fromEntries(COUNTERS.map((name) => [name, 0]));
  for (const node of nodes) {
    try {
      const text = await (await fetch(`${node.url}/metrics`)).text();
      for (const line of text.split('\n')) {
        const [name, value] = line.split(' ');
        if (name in sums) sums[name] += Number(value);
      }
    } catch { /* a node that does not answer counts nothing */ }
  }
  return sums;
}

// psql as the harness's superuser; the client may run as root, only the server may not.
function psql(postgres, database, sql) {
  return execFileSync(path.join(postgres.bin, 'psql'), ['-h', '127.0.0.1', '-p', String(postgres.port),
    '-U', 'postgres', '-d', database, '-X', '-q', '-A', '-t', '-F', '\t', '-c', sql], { encoding: 'utf8' });
}

// pg_stat_statements needs shared_preload_libraries: set it and restart the server.
async function enableStatements(postgres) {
  psql(postgres, 'postgres', "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
  await postgres.stopProcess();
  await postgres.startProcess();
  psql(postgres, 'postgres', 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
}

// The statements of `database` since the last reset, the costliest first.
function topStatements(postgres, database) {
  const rows = psql(postgres, 'postgres', 'SELECT calls, total_exec_time, mean_exec_time, rows, ' +
    "regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid " +
    `WHERE d.datname = '${database}' ORDER BY total_exec_time DESC LIMIT 12`);
  return rows.trim().split('\n').filter(Boolean).map((line) => {
    const [calls, total, mean, count, query] = line.split('\t');
    return { calls: Number(calls), total_ms: Number(total), mean_ms: Number(mean), rows: Number(count), query };
  });
}

let prefixes = 0;
async function measureCluster(m, { postgres, redis, perf }) {
  const store = await postgres.createDatabase();
  const prefix = `bench${process.pid}-${prefixes++}:`;
  const nodes = [];
  try {
    // All three at once, as a cluster starts: the schema migration must cope. A node that
    // fails to start fails the run, after the others are stopped (below).
    const started = await Promise.allSettled(Array.from({ length: NODES }, () => startServer('tandem', {
      root, tandemBin, args: ['--store', store, '--bus', redis.url, '--bus-prefix', prefix],
    })));
    for (const result of started) if (result.status === 'fulfilled') nodes.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    if (statements) psql(postgres, 'postgres', 'SELECT pg_stat_statements_reset()');
    const report = await runBench({
      urls: nodes.map((n) => n.url), scenario: m.scenario, args: m.args,
      groups: { nodes: nodes.map((n) => n.pid), redis: [redis.child.pid] },
      postmaster: postmasterPid(postgres.data), perf,
    });
    report.counters = await scrapeCounters(nodes);
    if (statements) report.statements = topStatements(postgres, store.slice(store.lastIndexOf('/') + 1));
    return report;
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

async function measureSingle(m) {
  const server = await startServer('tandem', { root, tandemBin });
  try {
    const report = await runBench({ urls: [server.url], scenario: m.scenario, args: m.args,
      groups: { nodes: [server.pid] }, postmaster: null, perf: false });
    report.counters = await scrapeCounters([server]);
    return report;
  } finally {
    await server.stop();
  }
}

// error_count already holds undelivered_ops (ops some client never received).
const errorCount = (report) => report.error_count;

function summarize(m, report) {
  const c = report.counters ?? {};
  const figures = m.figures(report);
  // The whole run (ramp-up and drain included), not only the window: a ratio, not a rate.
  if (c.tandem_store_commits_total > 0) {
    figures.ops_per_commit = c.tandem_store_writes_total / c.tandem_store_commits_total;
  }
  // CPU per confirmed op, each group: where an op's cost goes.
  const perOp = {};
  if (report.cpu && report.ops.confirmed_per_s > 0) {
    for (const [group, cores] of Object.entries(report.cpu)) {
      if (['window_s', 'machine', 'others'].includes(group)) continue;
      perOp[group] = (cores * 1e6) / report.ops.confirmed_per_s;
    }
  }
  return {
    figures,
    cpu_us_per_op: perOp,
    errors: errorCount(report),
    error_codes: report.errors,
    statements: report.statements,
    cpu: report.cpu,
    generator_cores: report.generator.cpu_cores,
    report,
  };
}

function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// The median of every figure and every CPU group over the runs.
function medians(rows) {
  if (rows.length === 0) return null;
  const figures = {};
  for (const key of Object.keys(rows[0].figures)) figures[key] = median(rows.map((r) => r.figures[key]));
  const cpu = {};
  for (const key of Object.keys(rows[0].cpu ?? {})) cpu[key] = median(rows.map((r) => r.cpu?.[key]));
  const perOp = {};
  for (const key of Object.keys(rows[0].cpu_us_per_op)) {
    perOp[key] = median(rows.map((r) => r.cpu_us_per_op[key]));
  }
  return { figures, cpu, cpu_us_per_op: perOp, errors: rows.reduce((sum, r) => sum + r.errors, 0) };
}

const describe = (figures) => Object.entries(figures)
  .map(([k, v]) => `${k} ${v === null || v === undefined ? '–' : v.toFixed(k.endsWith('_per_s') ? 0 : 1)}`)
  .join(', ');

const results = {
  machine: { ...describeMachine(root), duration_s: duration, runs, smoke, nodes: NODES },
  measurements: MEASUREMENTS.map((m) => ({
    key: m.key, name: m.name, scenario: m.scenario, bound: m.bound,
    command: `tandem bench ${m.scenario} --url NODE1 --url NODE2 --url NODE3 ${m.args.join(' ')} --duration ${duration}`,
    cluster: [], single: m.single ? [] : null,
  })),
};

const postgres = await PostgresServer.start();
const redis = await RedisServer.start();
log(`PostgreSQL on port ${postgres.port} (${postgres.data}), Redis on ${redis.url}`);
if (statements) await enableStatements(postgres);
try {
  for (let run = 1; run <= runs; run++) {
    for (const [i, m] of MEASUREMENTS.entries()) {
      const row = results.measurements[i];
      log(`== run ${run}/${runs}: ${m.name}: 3 nodes on PostgreSQL + Redis`);
      const perf = Boolean(perfFile) && run === 1 && m.key === 'throughput';
      const cluster = summarize(m, await measureCluster(m, { postgres, redis, perf }));
      row.cluster.push(cluster);
      log(`   ${describe(cluster.figures)}, errors ${cluster.errors}`);
      if (m.single) {
        log(`== run ${run}/${runs}: ${m.name}: 1 node on SQLite`);
        const single = summarize(m, await measureSingle(m));
        row.single.push(single);
        log(`   ${describe(single.figures)}, errors ${single.errors}`);
      }
    }
  }
} finally {
  await redis.stop();
  await postgres.stop();
}

for (const [i, m] of MEASUREMENTS.entries()) {
  const row = results.measurements[i];
  row.median_cluster = medians(row.cluster);
  row.median_single = row.single ? medians(row.single) : null;
  row.met = row.median_cluster.errors === 0 && m.met(row.median_cluster.figures);
}
const markdown = renderCluster(results);
process.stdout.write(markdown);
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'cluster.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(path.join(outDir, 'cluster.md'), markdown);
log(`wrote ${path.join(outDir, 'cluster.md')} and cluster.json`);
