// bench/targets: issue 8's targets for Tandem on this machine, each measured on a freshly
// started `tandem serve` with the generator on the same cores (docs/bench.md).
//
//   node bench/targets/run.mjs [--smoke] [--out DIR] [--duration S]
//
// Writes targets.md (one row a target: the figure, the bound, met or missed) and targets.json
// (every report) into DIR (default bench/results). `--smoke` runs every target tiny and short,
// for CI: the pipeline is checked, not the bounds. TANDEM_BIN picks the binary (default
// build/release/tandem).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../compare/servers.mjs';
import { runBench } from '../compare/run_bench.mjs';
import { describeMachine } from '../compare/machine.mjs';
import { commonOptions, root } from '../compare/command_line.mjs';
import { renderTargets } from './markdown.mjs';

const { smoke, outDir, duration, tandemBin } = commonOptions(20);
const ms = (us) => us / 1000;
const log = (line) => process.stderr.write(`${line}\n`);
const size = (full, tiny) => String(smoke ? tiny : full);

// The descriptor limit here is 20,000 per process, so 20,000 idle clients take two
// generators of 9,900 each against one server (the server then holds 19,800 sockets).
const IDLE_GENERATORS = 2;

// N authors x 2 ops/s on one document over `transport`: p95 submit -> every author under `boundMs`.
const authorsTarget = (name, transport, clients, boundMs) => ({
  name, scenario: 'authors', transport,
  args: ['--clients', size(clients, 8), '--rate', '2'],
  bound: `p95 submit → every author < ${boundMs} ms, no errors`,
  figure: (r) => `p95 ${ms(r.latency.submit_to_all_delivered.p95_us).toFixed(1)} ms`,
  met: (r) => ms(r.latency.submit_to_all_delivered.p95_us) < boundMs,
});

const TARGETS = [
  authorsTarget('authors over WebSocket', 'websocket', 1000, 100),
  authorsTarget('authors over SSE', 'sse', 500, 250),
  authorsTarget('authors over long-poll', 'poll', 500, 250),
  {
    name: 'viewers over WebSocket',
    scenario: 'viewers', transport: 'websocket',
    args: ['--clients', size(10000, 20), '--writers', '1', '--rate', '50'],
    bound: '≥ 500,000 deliveries/s and p99 submit → every viewer < 100 ms, no errors',
    figure: (r) => `${Math.round(r.deliveries_per_s).toLocaleString('en')} deliveries/s, ` +
      `p99 ${ms(r.latency.submit_to_all_delivered.p99_us).toFixed(1)} ms`,
    met: (r) => r.deliveries_per_s >= 500000 && ms(r.latency.submit_to_all_delivered.p99_us) < 100,
  },
  {
    name: 'idle WebSocket clients',
    scenario: 'idle', transport: 'websocket', generators: IDLE_GENERATORS,
    args: ['--clients', size(9900, 10)],
    bound: 'server RSS ≤ 10 KB (10,240 B) per connection',
    figure: (r) => `${Math.round(r.rss_per_connection).toLocaleString('en')} B per connection ` +
      `(${r.total_clients.toLocaleString('en')} connections)`,
    met: (r) => r.rss_per_connection <= 10240,
  },
];

const errorCount = (report) => report.error_count +
  (report.delivered_to_all?.incomplete ?? 0);

// Several generators at once against one server: their clients and errors add up, and the
// server's RSS growth is read from the widest view (first "before", last "loaded").
function combine(reports) {
  if (reports.length === 1) return reports[0];
  const before = Math.min(...reports.map((r) => r.server.rss_before_bytes));
  const loaded = Math.max(...reports.map((r) => r.server.rss_loaded_bytes));
  const total = reports.reduce((sum, r) => sum + r.total_clients, 0);
  return {
    ...reports[0],
    total_clients: total,
    error_count: reports.reduce((sum, r) => sum + r.error_count, 0),
    errors: Object.assign({}, ...reports.map((r) => r.errors)),
    server: { ...reports[0].server, rss_before_bytes: before, rss_loaded_bytes: loaded,
      rss_per_client_bytes: (loaded - before) / total },
    generators: reports,
  };
}

async function measure(target) {
  const server = await startServer('tandem', { root, tandemBin });
  try {
    const args = [...target.args, '--duration', String(duration)];
    const runs = Array.from({ length: target.generators ?? 1 }, () =>
      runBench({ tandemBin, server, target: 'tandem', transport: target.transport, scenario: target.scenario, args }));
    const report = combine(await Promise.all(runs));
    report.rss_per_connection = report.server?.rss_per_client_bytes ?? 0;
    return report;
  } finally {
    await server.stop();
  }
}

const results = { machine: { ...describeMachine(root), duration_s: duration, smoke }, targets: [] };
for (const target of TARGETS) {
  log(`== ${target.name}: ${target.scenario} ${target.args.join(' ')} over ${target.transport}` +
    `${target.generators ? ` (${target.generators} generators)` : ''}`);
  const report = await measure(target);
  const errors = errorCount(report);
  const row = {
    name: target.name,
    command: `tandem bench ${target.scenario} ${target.args.join(' ')} --duration ${duration} --transport ${target.transport}` +
      (target.generators ? ` (× ${target.generators} at once)` : ''),
    bound: target.bound,
    figure: target.figure(report),
    errors,
    met: errors === 0 && target.met(report),
    server_cores: report.server?.cpu_cores ?? null,
    generator_cores: report.generator.cpu_cores,
    report,
  };
  log(`  ${row.figure}, errors ${errors} -> ${row.met ? 'met' : 'missed'}`);
  results.targets.push(row);
}

mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'targets.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(path.join(outDir, 'targets.md'), renderTargets(results));
log(`wrote ${path.join(outDir, 'targets.md')} and targets.json`);
process.stdout.write(renderTargets(results));
