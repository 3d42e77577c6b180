// cluster.md: one row per measurement (the cluster's medians, the one-node SQLite medians of the
// same run, the bound, the verdict), then where the CPU went in each.

const number = (value, digits = 1) => (value === null || value === undefined ? '–'
  : value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

const FIGURE_NAMES = {
  confirmed_per_s: ['confirmed ops/s', 0],
  confirm_p50_ms: ['ack p50 ms', 1],
  confirm_p99_ms: ['ack p99 ms', 1],
  all_delivered_p95_ms: ['p95 submit → everyone else ms', 1],
  all_delivered_p99_ms: ['p99 submit → everyone else ms', 1],
  first_delivered_p99_ms: ['p99 submit → first other ms', 1],
  ack_p99_ms: ['ack p99 ms', 1],
  ops_per_commit: ['ops per commit', 1],
};

function figures(median) {
  if (!median) return '–';
  return Object.entries(median.figures)
    .map(([key, value]) => `${FIGURE_NAMES[key]?.[0] ?? key} ${number(value, FIGURE_NAMES[key]?.[1] ?? 1)}`)
    .join('; ') + (median.errors ? `; **${median.errors} errors**` : '');
}

function cpu(median) {
  if (!median || !median.cpu || Object.keys(median.cpu).length === 0) return '–';
  const c = median.cpu;
  const parts = [['nodes', c.nodes], ['postgres', c.postgres], ['redis', c.redis],
    ['generator', c.generator], ['others', c.others]]
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k} ${number(v, 2)}`);
  const perOp = Object.entries(median.cpu_us_per_op ?? {})
    .map(([k, v]) => `${k} ${number(v, 0)}`).join(', ');
  return `${parts.join(', ')} (machine ${number(c.machine, 2)})` +
    (perOp ? `; µs of CPU per confirmed op: ${perOp}` : '');
}

export function renderCluster(results) {
  const m = results.machine;
  const out = [];
  out.push(`# Tandem cluster: ${m.nodes} nodes on PostgreSQL and Redis (issue 17)` +
    `${m.smoke ? ' (smoke run: tiny sizes, not figures)' : ''}`);
  out.push('');
  out.push(`Run ${m.date} on ${m.nproc} cores (${m.cpu}), ${m.memory_gib.toFixed(1)} GiB, load ` +
    `average ${m.load_average.toFixed(1)} at the start; Tandem ${m.commit}; ${m.duration_s} s ` +
    `measured per run, medians of ${m.runs} run(s); PostgreSQL, Redis, the nodes and the ` +
    'generator share the machine. Command: `make bench-cluster` (or `node bench/cluster/run.mjs`).');
  out.push('');
  out.push('| measurement | 3 nodes, PostgreSQL + Redis | 1 node, SQLite (same run) | bound | verdict |');
  out.push('| --- | --- | --- | --- | --- |');
  for (const row of results.measurements) {
    out.push(`| ${row.name} | ${figures(row.median_cluster)} | ${figures(row.median_single)} | ` +
      `${row.bound} | ${row.met ? '**met**' : 'missed'} |`);
  }
  out.push('');
  out.push('CPU in cores over the measured window (medians; "others" is the rest of the machine):');
  out.push('');
  out.push('| measurement | 3 nodes | 1 node |');
  out.push('| --- | --- | --- |');
  for (const row of results.measurements) {
    out.push(`| ${row.name} | ${cpu(row.median_cluster)} | ${cpu(row.median_single)} |`);
  }
  out.push('');
  // PostgreSQL's view (--statements): the last run's throughput measurement.
  const measured = results.measurements.find((row) => row.cluster.at(-1)?.statements);
  if (measured) {
    const last = measured.cluster.at(-1);
    const ops = last.report.ops.confirmed;
    out.push(`PostgreSQL statements in "${measured.name}" (last run, pg_stat_statements; ` +
      `${ops.toLocaleString('en')} ops confirmed in the whole run):`);
    out.push('');
    out.push('| statement | calls | calls per op | total ms | mean µs |');
    out.push('| --- | ---: | ---: | ---: | ---: |');
    for (const s of last.statements) {
      out.push(`| \`${s.query.replaceAll('|', '\\|').slice(0, 110)}\` | ${s.calls.toLocaleString('en')} | ` +
        `${number(ops > 0 ? s.calls / ops : null, 2)} | ${number(s.total_ms, 0)} | ${number(s.mean_ms * 1000, 1)} |`);
    }
    out.push('');
  }
  out.push('Commands (NODEi: the nodes\' URLs; one node: a single `--url`):');
  out.push('');
  for (const row of results.measurements) out.push(`- ${row.name}: \`${row.command}\``);
  out.push('');
  return `${out.join('\n')}\n`;
}
