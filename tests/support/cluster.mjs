// A Tandem cluster for tests (issue 17, docs/scaling.md): a throwaway PostgreSQL
// (postgres.mjs), a throwaway Redis (redis_server.mjs), N `tandem serve` nodes on fixed free ports,
// each with its own --data directory, `--store postgres://...` and `--bus redis://...`, and
// nginx in round-robin in front, configured by deploy/cluster/nginx.conf (the operators' file,
// placeholders filled in). Helpers kill and restart nodes on their ports, stop and start
// PostgreSQL, kill and restart Redis, and read the op log straight from PostgreSQL. Everything
// is stopped by PID in stop(), and killed by PID if the test process exits without it.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { freePort, waitForPort } from './free_port.mjs';
import { NginxProcess, fillTemplate, nginxUnavailable } from './nginx.mjs';
import { PostgresServer, pgBinDir, postgresUnavailable } from './postgres.mjs';
import { RedisServer, redisUnavailable } from './redis_server.mjs';
import { TandemServer, makeTempDir, repoRoot, slowFactor, tandemBin } from './tandem_process.mjs';
import { request } from './http_client.mjs';

export const NGINX_TEMPLATE = path.join(repoRoot, 'deploy/cluster/nginx.conf');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Why the cluster tests cannot run here, or null when they can: only missing binaries.
export function clusterUnavailable() {
  return postgresUnavailable() ?? redisUnavailable() ?? nginxUnavailable();
}

// Why tests of a working cluster cannot run here, or null: a missing binary, or a tandem built
// before the bus (issue 17), whose nodes do not deliver each other's ops.
export function clusterSkipReason() {
  return clusterUnavailable()
    ?? (tandemSupports('--bus') ? null : `${tandemBin} has no --bus: nodes cannot deliver each other's ops`);
}

let helpText = null;
// Whether this tandem binary has a `serve` flag, e.g. '--bus' (the harness runs before and
// after the bus lands).
export function tandemSupports(flag) {
  if (helpText === null) {
    const result = spawnSync(tandemBin, ['serve', '--help'], { encoding: 'utf8' });
    helpText = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  }
  return new RegExp(`(^|[\\s,])${flag.replace(/[-]/g, '\\-')}[\\s,=]`, 'm').test(helpText);
}

// PIDs still running when the test process exits are killed (a failed test must not leave a
// cluster behind). PostgreSQL's postmaster is found through its postmaster.pid.
const live = new Set();
process.on('exit', () => {
  for (const cluster of live) cluster.killEverythingNow();
});

// The upstream's `server {{NODEk}} ...;` lines, one per node (the template has three).
function renderNginx(template, listen, nodeAddresses) {
  const lines = template.split('\n');
  const first = lines.findIndex((l) => /^\s*server \{\{NODE\d+\}\}/.test(l));
  const count = lines.filter((l) => /^\s*server \{\{NODE\d+\}\}/.test(l)).length;
  if (first < 0) throw new Error(`${NGINX_TEMPLATE}: no "server {{NODE1}}" line`);
  const serverLines = nodeAddresses.map((_, i) => lines[first].replace(/\{\{NODE\d+\}\}/, `{{NODE${i + 1}}}`));
  lines.splice(first, count, ...serverLines);
  const values = { LISTEN: listen };
  nodeAddresses.forEach((address, i) => { values[`NODE${i + 1}`] = address; });
  return fillTemplate(lines.join('\n'), values);
}

export class Cluster {
  // options: nodes (3), nodeArgs (extra `tandem serve` flags for every node), bus (true: pass
  // --bus when the binary has it), nginx (true), staticDir (for browser tests).
  static async start({ nodes = 3, nodeArgs = [], bus = true, nginx = true, staticDir } = {}) {
    const cluster = new Cluster();
    live.add(cluster);
    try {
      cluster.postgres = await PostgresServer.start();
      cluster.storeUrl = await cluster.postgres.createDatabase();
      cluster.database = new URL(cluster.storeUrl).pathname.slice(1);
      cluster.redis = await RedisServer.start();
      cluster.busEnabled = bus && tandemSupports('--bus');
      if (nginx) cluster.proxyPort = await freePort();
      cluster.nodeArgs = [
        '--store', cluster.storeUrl,
        ...(cluster.busEnabled ? ['--bus', cluster.redis.url] : []),
        // 2 cores for every process of the test: one event loop per node.
        '--threads', '1',
        '--trusted-proxy', '127.0.0.1',
        ...(nginx ? ['--allow-origin', `http://127.0.0.1:${cluster.proxyPort}`] : []),
        ...(staticDir ? ['--static-dir', staticDir] : []),
        ...nodeArgs,
      ];
      // One at a time: several nodes migrating the schema at once is another test's subject.
      for (let i = 0; i < nodes; i++) cluster.nodes.push(await cluster.#startNewNode(i));
      if (nginx) {
        cluster.proxyDir = makeTempDir('tandem-cluster-nginx-');
        const site = renderNginx(readFileSync(NGINX_TEMPLATE, 'utf8'), `127.0.0.1:${cluster.proxyPort}`,
          cluster.nodes.map((n) => `127.0.0.1:${n.port}`));
        cluster.proxy = NginxProcess.start(cluster.proxyDir, site);
        await waitForPort(cluster.proxyPort, 10000 * slowFactor, cluster.proxy.child)
          .catch((error) => { throw new Error(`nginx: ${error.message}\n${cluster.proxy.errorLog()}`); });
        cluster.url = `http://127.0.0.1:${cluster.proxyPort}`;
      }
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  constructor() {
    this.nodes = [];   // {index, port, dataDir, server (TandemServer, null while down), logs}
    this.postgres = null;
    this.redis = null;
    this.proxy = null;
    this.url = null;   // nginx's address
  }

  async #startNewNode(index) {
    const dataDir = makeTempDir(`tandem-cluster-node${index}-`);
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const node = { index, port, dataDir, server: null, logs: [] };
      try {
        await this.#launch(node);
        return node;
      } catch (error) {
        if (attempt >= 3 || !/address already in use|Address in use|bind/i.test(error.message)) {
          rmSync(dataDir, { recursive: true, force: true });
          throw error;
        }
      }
    }
  }

  async #launch(node) {
    const server = await TandemServer.start({
      args: this.nodeArgs, dataDir: node.dataDir, listen: `127.0.0.1:${node.port}`,
    });
    node.server = server;
    node.logs.push(server);
  }

  nodeUrl(index) { return `http://127.0.0.1:${this.nodes[index].port}`; }
  nodeUrls() { return this.nodes.map((n) => this.nodeUrl(n.index)); }
  isUp(index) { const s = this.nodes[index].server; return s !== null && s.child.exitCode === null && s.child.signalCode === null; }

  // kill -9 of node `index`; resolves once it is gone.
  async killNode(index) {
    const node = this.nodes[index];
    if (!node.server) return;
    if (this.isUp(index)) node.server.signal('SIGKILL');
    await node.server.exited;
    node.server = null;
  }

  // SIGTERM (a graceful stop, as systemd's) of node `index`; resolves its exit status.
  async stopNode(index) {
    const node = this.nodes[index];
    if (!node.server) return null;
    const status = await node.server.stop();
    node.server = null;
    return status;
  }

  // Starts node `index` again on its port with its --data directory (after kill or stop).
  // The port may be held a moment longer by the dying process's sockets: retried.
  async restartNode(index) {
    const node = this.nodes[index];
    if (node.server) await this.killNode(index);
    const deadline = Date.now() + 30000 * slowFactor;
    for (;;) {
      try {
        return await this.#launch(node);
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(200);
      }
    }
  }

  // PostgreSQL stopped as a crash would (immediate), keeping its data, and started again.
  async stopPostgres() { await this.postgres.stopProcess(); }
  async startPostgres() { await this.postgres.startProcess(); }
  async killRedis() { await this.redis.kill(); }
  // Back on the same port, as an operator's restart would do.
  async restartRedis() { await this.redis.startProcess(); }

  // The rows of a query, each an array of strings, run by psql against the cluster's database.
  sql(query) {
    const psql = path.join(pgBinDir(), 'psql');
    const out = execFileSync(psql, ['-h', '127.0.0.1', '-p', String(this.postgres.port), '-U', 'postgres',
      '-d', this.database, '-X', '-q', '-At', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', query],
    { encoding: 'utf8', timeout: 30000 * slowFactor });
    return out.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
  }

  // Document `doc`'s op log in PostgreSQL, in version order: [{version, client, seq}].
  storedOps(doc) {
    const name = doc.replace(/'/g, "''");
    return this.sql(`SELECT o.version, convert_from(o.client, 'UTF8'), o.seq FROM ops o
      JOIN documents d ON d.id = o.doc WHERE d.name = convert_to('${name}', 'UTF8') ORDER BY o.version`)
      .map(([version, client, seq]) => ({ version: Number(version), client, seq: Number(seq) }));
  }

  // GET /v1/docs/DOC on node `index` (or nginx); resolves {id, version, text}.
  async readDoc(doc, index) {
    const base = index === undefined ? this.url ?? this.nodeUrl(0) : this.nodeUrl(index);
    const res = await request(`${base}/v1/docs/${encodeURIComponent(doc)}`);
    if (res.status !== 200) throw new Error(`GET /v1/docs/${doc} on ${base}: ${res.status} ${res.body}`);
    return res.json;
  }

  // The value of an unlabelled metric of node `index` (GET /metrics), or null when absent.
  async metric(index, name) {
    const res = await request(`${this.nodeUrl(index)}/metrics`);
    const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(res.body);
    return match ? Number(match[1]) : null;
  }

  // Polls a metric of node `index` until predicate(value) holds; resolves the value.
  async waitMetric(index, name, predicate, timeoutMs = 30000 * slowFactor) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await this.metric(index, name).catch(() => null);
      if (predicate(value)) return value;
      if (Date.now() > deadline) throw new Error(`node ${index}: ${name} stayed ${value}`);
      await sleep(100);
    }
  }

  // Polls /readyz of node `index` until it answers `status` (each call reports the previous
  // probe, so one answer is not enough); resolves the last answer.
  async waitReady(index, status = 200, timeoutMs = 60000 * slowFactor) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let res;
      try { res = await request(`${this.nodeUrl(index)}/readyz`); } catch { res = { status: 0 }; }
      if (res.status === status) return res;
      if (Date.now() > deadline) throw new Error(`node ${index} /readyz stayed ${res.status}: ${res.body}`);
      await sleep(100);
    }
  }

  // Every node's log (all incarnations), nginx's and Redis's, for a failing test's message.
  logs() {
    const parts = [];
    for (const node of this.nodes) {
      node.logs.forEach((server, k) => parts.push(`--- node ${node.index} (run ${k + 1}) ---\n${server.log}`));
    }
    if (this.proxy) parts.push(`--- nginx ---\n${this.proxy.errorLog()}`);
    if (this.redis) parts.push(`--- redis ---\n${this.redis.log()}`);
    return parts.join('\n');
  }

  async stop() {
    live.delete(this);
    await this.proxy?.stop();
    // A node that failed its shutdown, or any run of a node that reported a sanitizer finding
    // (under make asan-test), fails the test that owns the cluster.
    const problems = [];
    for (const node of this.nodes) {
      if (node.server) {
        const status = await node.server.stop().catch(() => null);
        if (status && status.code !== 0) problems.push(`node ${node.index} exited ${status.code ?? status.signal} at shutdown`);
      }
      node.server = null;
      node.logs.forEach((server, run) => {
        if (/Sanitizer|runtime error:/.test(server.log)) problems.push(`node ${node.index} (run ${run + 1}): sanitizer report`);
      });
      rmSync(node.dataDir, { recursive: true, force: true });
    }
    await this.redis?.stop();
    await this.postgres?.stop();
    if (this.proxyDir) rmSync(this.proxyDir, { recursive: true, force: true });
    if (problems.length > 0) throw new Error(`${problems.join('\n')}\n${this.logs()}`);
  }

  // Synchronous last resort at process exit: SIGKILL by PID to whatever is still running.
  killEverythingNow() {
    const kill = (pid, signal = 'SIGKILL') => { try { if (pid) process.kill(pid, signal); } catch { /* gone */ } };
    if (this.proxy) kill(-this.proxy.pid);
    for (const node of this.nodes) if (node.server) kill(node.server.pid);
    if (this.redis?.child) kill(this.redis.child.pid);
    if (this.postgres) {
      try {
        const pid = Number(readFileSync(path.join(this.postgres.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        kill(pid, 'SIGQUIT');  // PostgreSQL's immediate shutdown; it stops its own children
      } catch { /* not running */ }
    }
  }
}

