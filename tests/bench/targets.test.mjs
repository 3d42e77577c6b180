// bench/targets, the issue-8 target runs behind `make bench`, in its smoke form: every target
// measured on a fresh server (idle with two generators at once), and the table and the JSON
// written. The sizes are tiny, so the bounds are not checked; the pipeline is.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../support/tandem_process.mjs';
import { runScript } from '../support/run_script.mjs';

const out = makeTempDir('tandem-targets-');
after(() => rmSync(out, { recursive: true, force: true }));

test('bench/targets --smoke measures every target and writes the table and the JSON', async () => {
  const { code, output } = await runScript('bench/targets/run.mjs', ['--smoke', '--out', out], 120000);
  assert.equal(code, 0, output);

  const results = JSON.parse(readFileSync(path.join(out, 'targets.json'), 'utf8'));
  assert.equal(results.machine.smoke, true);
  assert.deepEqual(results.targets.map((t) => t.name), [
    'authors over WebSocket', 'authors over SSE', 'authors over long-poll', 'viewers over WebSocket', 'idle WebSocket clients',
  ]);
  for (const target of results.targets) {
    assert.equal(target.errors, 0, `${target.name}: ${JSON.stringify(target.report.errors)}`);
    assert.ok(target.report.ops.confirmed > 0 || target.report.options.scenario === 'idle', target.name);
  }
  // A few authors on loopback are far inside the latency bounds.
  for (const target of results.targets.slice(0, 3)) assert.equal(target.met, true, `${target.name}: ${target.figure}`);
  const idle = results.targets[4].report;
  assert.equal(idle.generators.length, 2);
  assert.equal(idle.total_clients, 20);  // both generators' clients count
  assert.ok(idle.rss_per_connection > 0);

  const table = readFileSync(path.join(out, 'targets.md'), 'utf8');
  assert.match(table, /smoke run/);
  assert.match(table, /\| authors over WebSocket \| p95 [\d.]+ ms \|/);
  assert.match(table, /\| idle WebSocket clients \| [\d,]+ B per connection \(20 connections\) \|/);
});
