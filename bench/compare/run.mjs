// bench/compare: Tandem and its peers side by side on this machine, in one run (issue 8).
//
//   node bench/compare/run.mjs [--smoke] [--out DIR] [--duration S] [--systems tandem,sharedb,socketio]
//   node bench/compare/run.mjs --render bench/results/compare.json [--out DIR]
//
// For each system and transport it sweeps the `authors` scenario (N authors x 2 ops/s on one
// document) upwards until p95 submit -> delivered-to-every-author reaches 100 ms and narrows
// down the largest N that holds; before the sweep it runs `idle`, `join` and `viewers` at one
// size. Every one of those runs on a server started fresh for it. It writes compare.md (the
// tables), compare.json (every report) and authors.svg (the plot) into DIR (default
// bench/results). `--smoke` runs every step tiny and short, for CI. TANDEM_BIN picks the binary
// (default build/release/tandem).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SYSTEMS, startServer } from './servers.mjs';
import { runBench } from './run_bench.mjs';
import { renderPlot } from './plot.mjs';
import { renderMarkdown } from './markdown.mjs';
import { describeMachine } from './machine.mjs';
import { commonOptions, flag, root } from './command_line.mjs';

const { smoke, outDir, duration, tandemBin } = commonOptions(10);
const systems = flag('--systems', Object.keys(SYSTEMS).join(',')).split(',');
for (const s of systems) if (!SYSTEMS[s]) throw new Error(`unknown system ${s}`);

const TARGET_MS = 100;
// The sweep's steps; past the last one a system is reported as holding "at least" it.
const STEPS = smoke ? [4, 8] : [25, 50, 100, 150, 200, 300, 400, 600, 800, 1000, 1200, 1500];
const OTHER = smoke
  ? { idle: ['--clients', '20'], join: ['--clients', '2', '--rate', '0'], viewers: ['--clients', '10', '--writers', '1', '--rate', '20'] }
  : { idle: ['--clients', '2000'], join: ['--clients', '20', '--rate', '0'], viewers: ['--clients', '2000', '--writers', '1', '--rate', '50'] };

const log = (line) => process.stderr.write(`${line}\n`);
const ms = (us) => us / 1000;

function summarize(report, authors) {
  const all = report.latency.submit_to_all_delivered;
  const ok = report.error_count === 0 && report.delivered_to_all.incomplete === 0 &&
    all.count > 0 && ms(all.p95_us) < TARGET_MS;
  return {
    authors,
    ok,
    p50_ms: ms(all.p50_us), p95_ms: ms(all.p95_us), p99_ms: ms(all.p99_us), max_ms: ms(all.max_us),
    confirm_p95_ms: ms(report.latency.submit_to_confirm.p95_us),
    confirmed_per_s: report.ops.confirmed_per_s,
    offered: report.ops.offered, confirmed: report.ops.confirmed,
    deliveries_per_s: report.deliveries_per_s,
    server_cores: report.server?.cpu_cores ?? null,
    server_rss: report.server?.rss_loaded_bytes ?? null,
    generator_cores: report.generator.cpu_cores,
    errors: report.errors,
  };
}

async function sweep(server, system, transport) {
  const points = [];
  const run = async (authors) => {
    const report = await runBench({ tandemBin, server, target: system, transport, scenario: 'authors',
      args: ['--clients', String(authors), '--rate', '2', '--duration', String(duration)] });
    const point = summarize(report, authors);
    points.push(point);
    log(`  authors ${authors}: p95 ${point.p95_ms.toFixed(1)} ms, p99 ${point.p99_ms.toFixed(1)} ms, ` +
      `${point.confirmed_per_s.toFixed(0)} ops/s, errors ${JSON.stringify(point.errors)} -> ${point.ok ? 'holds' : 'missed'}`);
    return point.ok;
  };
  let pass = 0; let fail = null;
  for (const n of STEPS) {
    if (await run(n)) { pass = n; } else { fail = n; break; }
  }
  // Narrow down between the last N that held and the first that did not, to a 25-author grain.
  while (!smoke && fail !== null && fail - pass > 25) {
    const mid = Math.round((pass + fail) / 2 / 25) * 25;
    if (mid <= pass || mid >= fail) break;
    if (await run(mid)) pass = mid; else fail = mid;
  }
  return { points, largest: pass, capped: fail === null };
}

// Starts `system`, runs `work(server)` and stops it, whatever happens.
async function withServer(system, work) {
  const server = await startServer(system, { root, tandemBin });
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

async function others(system, transport) {
  const results = {};
  for (const [scenario, args] of Object.entries(OTHER)) {
    // Each on a fresh server: `idle` measures RSS growth, and `join` leaves thousands of
    // departed clients behind (Tandem keeps an HTTP client's session for its resume window).
    const report = await withServer(system, (server) => runBench({ tandemBin, server, target: system,
      transport, scenario, args: [...args, '--duration', String(duration)] }));
    results[scenario] = {
      clients: report.total_clients,
      errors: report.errors,
      deliveries_per_s: report.deliveries_per_s,
      all_p99_ms: ms(report.latency.submit_to_all_delivered.p99_us),
      all_p50_ms: ms(report.latency.submit_to_all_delivered.p50_us),
      rss_per_client: report.server?.rss_per_client_bytes ?? null,
      joins_per_s: report.joins_per_s,
      join_p50_ms: ms(report.latency.join.p50_us),
      join_p99_ms: ms(report.latency.join.p99_us),
      server_cores: report.server?.cpu_cores ?? null,
    };
    log(`  ${scenario}: ${JSON.stringify(results[scenario])}`);
  }
  return results;
}

// --render FILE: only write the files again from an earlier run's compare.json.
const rendering = flag('--render', null);
const results = rendering
  ? JSON.parse(readFileSync(rendering, 'utf8'))
  : { machine: { ...describeMachine(root), duration_s: duration, smoke }, target_ms: TARGET_MS, series: [] };
for (const system of rendering ? [] : systems) {
  for (const transport of SYSTEMS[system].transports) {
    log(`== ${system} over ${transport}`);
    const other = await others(system, transport);
    // The sweep on a fresh server of its own too.
    const authors = await withServer(system, (server) => sweep(server, system, transport));
    results.series.push({ name: `${system} ${transport}`, system, transport, ...authors, other });
  }
}

mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'compare.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(path.join(outDir, 'authors.svg'), renderPlot(results.series, {
  title: `authors: p50/p95 submit → every author, ${results.machine.nproc} cores (${results.machine.date.slice(0, 10)})`,
}));
writeFileSync(path.join(outDir, 'compare.md'), renderMarkdown(results));
log(`wrote ${path.join(outDir, 'compare.md')}, compare.json and authors.svg`);
process.stdout.write(renderMarkdown(results));
