// `tandem bench` against a real `tandem serve`, and with `--target` against the real peers of
// bench/peers/: every scenario on every transport for a couple of seconds, with no errors and
// numbers that make sense; and the refusals of bad targets.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runTandem, makeTempDir, TandemServer, slowFactor } from '../support/tandem_process.mjs';
import { startPeer, killPeers } from '../support/peer_process.mjs';

const TRANSPORTS = ['websocket', 'sse', 'poll'];
const SCENARIOS = {
  authors: ['--clients', '6', '--rate', '10'],
  viewers: ['--clients', '12', '--writers', '2', '--rate', '10'],
  docs: ['--clients', '8', '--docs', '4', '--rate', '10'],
  idle: ['--clients', '20', '--docs', '2'],
  join: ['--clients', '2', '--rate', '20'],
};
// A latency above this on loopback with a handful of clients means something is broken.
const SANE_MS = 2000 * slowFactor;

// Runs one scenario against a server for 1.5 s and checks the report: no errors, every op
// confirmed and delivered to every subscriber, ordered percentiles.
async function runAndCheck({ url, pid, target, transport, scenario, args, dir }) {
  const json = path.join(dir, `${target}-${scenario}-${transport}.json`);
  const { code, stdout, stderr } = await runTandem([
    'bench', scenario, '--url', url, '--target', target, '--transport', transport, '--duration', '1.5',
    '--server-pid', String(pid), '--json', json, ...args,
  ], { timeoutMs: 60000 * slowFactor });
  assert.equal(code, 0, `exit ${code}\n${stdout}\n${stderr}`);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(report.error_count, 0, JSON.stringify(report.errors));
  assert.equal(report.options.scenario, scenario);
  assert.equal(report.options.transport, transport);
  assert.equal(report.options.target, target);
  assert.ok(report.window_s >= 1.5 && report.window_s < 10, `window ${report.window_s}`);
  assert.ok(report.server.rss_loaded_bytes > 0);
  assert.ok(report.generator.cpu_s >= 0);
  assert.match(stdout, new RegExp(`${scenario} against ${target} over ${transport}`));
  if (scenario === 'join') {
    assert.ok(report.joins > 0, 'no join completed');
    const join = report.latency.join;
    assert.equal(join.count, report.joins);
    assert.ok(join.p50_us > 0 && join.p99_us <= join.max_us && join.max_us < SANE_MS * 1000);
    return;
  }
  assert.equal(report.ready, report.total_clients);
  if (scenario === 'idle') {
    assert.equal(report.ops.submitted, 0);
    assert.ok(report.server.rss_per_client_bytes === undefined || report.server.rss_per_client_bytes > 0);
    return;
  }
  const { ops } = report;
  assert.ok(ops.submitted > 0, 'nothing submitted');
  assert.equal(ops.confirmed, ops.submitted);
  // Every confirmed op reached every subscriber of its document, and was counted there.
  assert.equal(report.delivered_to_all.complete, ops.confirmed);
  assert.equal(report.delivered_to_all.incomplete, 0);
  const subscribersPerDoc = report.total_clients / (scenario === 'docs' ? 4 : 1);
  assert.ok(report.deliveries <= ops.confirmed * subscribersPerDoc);
  assert.ok(report.deliveries >= (ops.confirmed - report.total_clients) * subscribersPerDoc * 0.9,
    `deliveries ${report.deliveries} for ${ops.confirmed} ops`);
  for (const name of ['submit_to_confirm', 'submit_to_all_delivered']) {
    const l = report.latency[name];
    assert.equal(l.count, ops.confirmed, name);
    assert.ok(l.p50_us > 0 && l.p50_us <= l.p95_us && l.p95_us <= l.p99_us && l.p99_us <= l.max_us, name);
    assert.ok(l.max_us < SANE_MS * 1000, `${name} max ${l.max_us} us`);
  }
  assert.ok(report.server.cpu_us_per_delivery > 0);
}

describe('tandem bench', () => {
  let server;
  let dir;
  before(async () => {
    server = await TandemServer.start({ args: ['--max-connections-per-ip', '0'] });
    dir = makeTempDir('tandem-bench-');
  });
  after(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const transport of TRANSPORTS) {
    for (const [scenario, args] of Object.entries(SCENARIOS)) {
      test(`${scenario} over ${transport}`, () => runAndCheck({
        url: server.url, pid: server.pid, target: 'tandem', transport, scenario, args, dir,
      }));
    }
  }

  test('refuses targets outside loopback, with the reason', async () => {
    for (const url of ['http://10.1.2.3:8080', 'http://example.com:80', 'http://[2001:db8::1]:80']) {
      const { code, stderr } = await runTandem(['bench', 'authors', '--url', url, '--duration', '1']);
      assert.equal(code, 2, url);
      assert.match(stderr, /tandem bench: .*(loopback|IP literal)/, stderr);
    }
  });

  test('refuses unknown scenarios and transports', async () => {
    let result = await runTandem(['bench', 'readers', '--url', server.url]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown scenario 'readers'/);
    result = await runTandem(['bench', 'authors', '--url', server.url, '--transport', 'carrier-pigeon']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown transport/);
    result = await runTandem(['bench', 'authors', '--url', server.url, '--target', 'etherpad']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown target 'etherpad'/);
    for (const [target, transport] of [['sharedb', 'poll'], ['sharedb', 'sse'], ['socketio', 'sse']]) {
      result = await runTandem(['bench', 'authors', '--url', server.url, '--target', target, '--transport', transport]);
      assert.equal(result.code, 2, `${target} over ${transport}`);
      assert.match(result.stderr, new RegExp(`--target ${target} speaks`));
    }
  });

  test('counts a server that is not there as errors and exits 1', async () => {
    const gone = await TandemServer.start();
    const url = gone.url;
    await gone.stop();
    const { code, stdout } = await runTandem(['bench', 'authors', '--url', url, '--clients', '2',
      '--duration', '0.5', '--connect-timeout', '1', '--no-progress']);
    assert.equal(code, 1, stdout);
    assert.match(stdout, /connect_refused=\d+/);
  });
});

// The same generator against the peers, on each transport they offer (docs/bench.md, Peers).
describe('tandem bench --target (peers)', () => {
  const PEER_TRANSPORTS = { sharedb: ['websocket'], socketio: ['websocket', 'poll'] };
  let dir;
  before(() => { dir = makeTempDir('tandem-bench-peers-'); });
  after(() => {
    killPeers();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const [target, transports] of Object.entries(PEER_TRANSPORTS)) {
    describe(target, () => {
      let peer;
      before(async () => { peer = await startPeer(target); });
      after(async () => {
        const exit = await peer?.stop();
        assert.equal(exit?.code, 0, `${target} peer exit ${JSON.stringify(exit)}`);
      });
      for (const transport of transports) {
        for (const [scenario, args] of Object.entries(SCENARIOS)) {
          test(`${scenario} over ${transport}`, () => runAndCheck({
            url: peer.url, pid: peer.pid, target, transport, scenario, args, dir,
          }));
        }
      }
    });
  }
});
