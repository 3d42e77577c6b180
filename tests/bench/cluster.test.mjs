// bench/cluster (`make bench-cluster`, issue 17) in its smoke form: a throwaway PostgreSQL and
// Redis, 3 nodes per measurement loaded by one `tandem bench` with three --url, and one SQLite
// node for comparison; the table and the JSON written. The sizes are tiny, so the bounds are not
// checked; the pipeline is, and so is cross-node delivery: every op reached every client on the
// three nodes, with the bus carrying it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../support/tandem_process.mjs';
import { runScript } from '../support/run_script.mjs';
import { postgresUnavailable } from '../support/postgres.mjs';
import { redisUnavailable } from '../support/redis_server.mjs';

const out = makeTempDir('tandem-cluster-bench-');
after(() => rmSync(out, { recursive: true, force: true }));

test('bench/cluster --smoke measures a 3-node cluster and one SQLite node and writes the results',
  { skip: postgresUnavailable() ?? redisUnavailable() ?? false }, async () => {
    const { code, output } = await runScript('bench/cluster/run.mjs', ['--smoke', '--out', out], 240000);
    assert.equal(code, 0, output);

    const results = JSON.parse(readFileSync(path.join(out, 'cluster.json'), 'utf8'));
    assert.equal(results.machine.smoke, true);
    assert.deepEqual(results.measurements.map((m) => m.key), ['throughput', 'hot', 'cross']);
    for (const m of results.measurements) {
      assert.equal(m.cluster.length, 1, m.key);
      const cluster = m.cluster[0];
      assert.equal(cluster.errors, 0, `${m.key}: ${JSON.stringify(cluster.error_codes)}`);
      assert.equal(cluster.report.options.urls.length, 3, m.key);
      assert.equal(cluster.report.options.url, cluster.report.options.urls[0]);
      assert.ok(cluster.report.ops.confirmed > 0, m.key);
      assert.ok(cluster.figures.ops_per_commit >= 1, m.key);
      if (m.scenario === 'authors') {
        // One document, authors on all three nodes: the other nodes heard every op by the bus.
        assert.equal(cluster.report.delivered_to_all.incomplete, 0, m.key);
        assert.ok(cluster.report.counters.tandem_bus_published_total > 0, m.key);
        assert.ok(cluster.report.counters.tandem_bus_received_total > 0, m.key);
      }
      if (m.single) {
        assert.equal(m.single[0].errors, 0, `${m.key} on SQLite: ${JSON.stringify(m.single[0].error_codes)}`);
        assert.equal(m.single[0].report.options.urls.length, 1);
      }
    }

    const table = readFileSync(path.join(out, 'cluster.md'), 'utf8');
    assert.match(table, /smoke run/);
    assert.match(table, /\| durable confirmed ops\/s, many documents \| confirmed ops\/s [\d,]+;/);
    assert.match(table, /\| cross-node delivery, 200 authors × 2 ops\/s \| p99 submit → everyone else ms [\d.]+;/);
  });
