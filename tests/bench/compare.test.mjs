// bench/compare, the side-by-side run behind `make bench`, in its smoke form: every system on
// every transport it offers, started fresh, swept and measured, and the table, the JSON and
// the plot written. The figures are tiny; what is checked is that the whole pipeline works.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../support/tandem_process.mjs';
import { runScript } from '../support/run_script.mjs';

const out = makeTempDir('tandem-compare-');
after(() => rmSync(out, { recursive: true, force: true }));

test('bench/compare --smoke runs all three systems and writes the table, the JSON and the plot', async () => {
  const { code, output } = await runScript('bench/compare/run.mjs', ['--smoke', '--out', out], 300000);
  assert.equal(code, 0, output);

  const results = JSON.parse(readFileSync(path.join(out, 'compare.json'), 'utf8'));
  assert.deepEqual(results.series.map((s) => s.name), [
    'tandem websocket', 'tandem sse', 'tandem poll', 'sharedb websocket', 'socketio websocket', 'socketio poll',
  ]);
  assert.equal(results.machine.smoke, true);
  assert.ok(results.machine.nproc >= 1 && results.machine.sharedb && results.machine.socketio);
  for (const series of results.series) {
    // A handful of authors on loopback hold the target everywhere: every step ran and held.
    assert.deepEqual(series.points.map((p) => p.authors), [4, 8], series.name);
    for (const point of series.points) {
      assert.ok(point.ok, `${series.name} at ${point.authors}: ${JSON.stringify(point)}`);
      assert.ok(point.p50_ms > 0 && point.p50_ms <= point.p95_ms && point.p95_ms <= point.p99_ms, series.name);
      assert.ok(point.confirmed > 0, series.name);
      assert.deepEqual(point.errors, {}, series.name);
    }
    assert.equal(series.largest, 8);
    assert.equal(series.capped, true);
    const { viewers, idle, join } = series.other;
    for (const scenario of [viewers, idle, join]) assert.deepEqual(scenario.errors, {}, series.name);
    assert.ok(viewers.deliveries_per_s > 0, series.name);
    assert.ok(idle.rss_per_client === null || idle.rss_per_client > 0, series.name);
    assert.ok(join.joins_per_s > 0, series.name);
  }

  const table = readFileSync(path.join(out, 'compare.md'), 'utf8');
  assert.match(table, /smoke run/);
  assert.match(table, /\| sharedb \| websocket \| ≥ 8 \|/);
  assert.match(table, /\| socketio \| poll \| ≥ 8 \|/);
  assert.match(table, /!\[[^\]]*\]\(authors\.svg\)/);
  const svg = readFileSync(path.join(out, 'authors.svg'), 'utf8');
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg.trim(), /<\/svg>$/);
  for (const series of results.series) assert.ok(svg.includes(`>${series.name}</text>`), series.name);
  assert.equal((svg.match(/<path /g) ?? []).length, 2 * results.series.length);
});
