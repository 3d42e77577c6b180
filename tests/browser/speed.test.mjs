// How fast the demo becomes editable (navigation start to an editable, synced document) with
// WebSocket working, refused by the server (400) and hanging (never answered), and how big the
// bundles are. Prints the figures recorded in BENCHMARKS.md ("Browser client").
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import { launchBrowser, openEditor, screenshot, slowFactor, startServer, webDir } from './browser_support.mjs';

const RUNS = 7;
const browser = await launchBrowser();
test.after(() => browser.close());

// The budgets hold on a machine with a core to spare. On a shared machine whose run queue is
// longer than its cores (load average above nproc), the budget stretches by that ratio, and the
// test says so: the figures printed are what BENCHMARKS.md records.
function budget(ms) {
  // Capped, so that a real regression still fails on a busy machine.
  const oversubscribed = Math.min(2.5, Math.max(1, os.loadavg()[0] / os.availableParallelism()));
  const stretched = Math.round(ms * slowFactor * oversubscribed);
  if (stretched > ms) console.log(`# budget ${ms} ms stretched to ${stretched} ms (load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores)`);
  return stretched;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Each load uses a fresh context: no remembered verdict, no cache.
async function measure(server, label, query = '') {
  const figures = [];
  let transport;
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext();
    try {
      const { page } = await openEditor(context, server, `speed-${label}`, query);
      figures.push(await page.evaluate(() => window.tandemEditableMs));
      transport = await page.locator('[data-testid="transport"]').textContent();
      if (i === 0) await screenshot(page, `speed-${label}`);
    } finally {
      await context.close();
    }
  }
  const result = { median: Math.round(median(figures)), max: Math.round(Math.max(...figures)), transport };
  console.log(`# speed ${label}: page load to editable median ${result.median} ms, max ${result.max} ms over ${RUNS} loads, transport ${transport}`);
  return result;
}

test('page load to editable with WebSocket: at most 300 ms', async () => {
  const server = await startServer();
  try {
    await measure(server, 'warmup');
    const result = await measure(server, 'websocket');
    assert.equal(result.transport, 'websocket');
    // The same without CodeMirror: what the library itself costs a page.
    const light = await measure(server, 'websocket-textarea', '?editor=textarea');
    assert.ok(light.median <= budget(300), `median ${light.median} ms`);
    assert.ok(result.median <= budget(300), `median ${result.median} ms`);
  } finally { await server.stop(); }
});

test('WebSocket upgrade refused (400): editable within 1 s', async () => {
  const server = await startServer({ args: ['--test-websocket-upgrade', 'refuse'] });
  try {
    const result = await measure(server, 'ws-refused');
    assert.equal(result.transport, 'sse');
    assert.ok(result.median <= budget(1000), `median ${result.median} ms`);
  } finally { await server.stop(); }
});

test('WebSocket upgrade hanging: editable within 2 s', async () => {
  const server = await startServer({ args: ['--test-websocket-upgrade', 'hang'] });
  try {
    const result = await measure(server, 'ws-hung');
    assert.equal(result.transport, 'sse');
    assert.ok(result.median <= budget(2000), `median ${result.median} ms`);
  } finally { await server.stop(); }
});

test('bundle sizes (gzip -9): library + textarea binding at most 30 KB, demo at most 250 KB', () => {
  const gz = (file) => gzipSync(readFileSync(path.join(webDir, file)), { level: 9 }).length;
  const library = gz('tandem.js');
  // The demo's entry and the chunks it loads (CodeMirror comes in one of them).
  const chunks = readdirSync(path.join(webDir, 'chunks')).filter((f) => f.endsWith('.js')).map((f) => `chunks/${f}`);
  const demo = gz('demo.js') + chunks.reduce((sum, f) => sum + gz(f), 0);
  console.log(`# bundle tandem.js (library + textarea binding): ${(library / 1024).toFixed(1)} KiB gzipped`);
  console.log(`# bundle demo.js + chunks (demo with CodeMirror): ${(demo / 1024).toFixed(1)} KiB gzipped`);
  assert.ok(library <= 30 * 1024);
  assert.ok(demo <= 250 * 1024);
});
