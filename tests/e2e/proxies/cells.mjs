// The proxy matrix's cells (issue 7): a real `tandem serve` behind a real nginx, Apache, Caddy,
// HAProxy or Varnish (or the fault proxy), each proxy a child process with its own configuration on
// loopback ports, stopped by PID. `startCell(name)` is the one entry point, so the browser
// layer can reuse every cell: it resolves {name, url, origin, upstream, ca, stop()}.
//
// Configuration files are templates with {{PLACEHOLDERS}} (documented at the top of each file):
// deploy/ holds the correct ones, configs/ next to this file the broken ones. The proxies'
// process-level settings (pid file, logs, temp dirs, foreground) live in the small wrappers
// written below, never in the templates, so the templates stay real-world examples.
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TandemServer, makeTempDir, repoRoot, slowFactor } from '../../support/tandem_process.mjs';
import { FaultProxy } from './fault_proxy.mjs';
import { freePort } from '../../support/free_port.mjs';
import { writeNginxConfig } from '../../support/nginx.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

// Tandem's quiet periods all below a 10 s proxy timeout: polls held 8 s, SSE heartbeats every
// 5 s, WebSocket pings every 8 s (half the dead-peer timeout).
export const TUNED_FOR_10S = ['--poll-hold', '8s', '--sse-heartbeat', '5s', '--dead-peer-timeout', '16s'];

// name -> how to run it. `proxy` picks the launcher, `template` the configuration file,
// `tls` whether it terminates TLS, `allowOrigin` whether Tandem is told the public origin
// (docs/security.md tells operators to; the correct cells run without it, which also proves
// that they pass Host and X-Forwarded-Proto through).
export const CELLS = {
  '1-nginx': { proxy: 'nginx', template: 'deploy/nginx.conf' },
  '1-apache': { proxy: 'apache', template: 'deploy/apache.conf' },
  '1-caddy': { proxy: 'caddy', template: 'deploy/Caddyfile' },
  '1-haproxy': { proxy: 'haproxy', template: 'deploy/haproxy.cfg' },
  '1-apache-tls': { proxy: 'apache', template: 'deploy/apache-tls.conf', tls: true },
  '1-caddy-tls': { proxy: 'caddy', template: 'deploy/Caddyfile-tls', tls: true },
  '1-haproxy-tls': { proxy: 'haproxy', template: 'deploy/haproxy-tls.cfg', tls: true },
  '2-nginx-naive': { proxy: 'nginx', template: 'configs/nginx-naive.conf', allowOrigin: true },
  '3-nginx-buffering': { proxy: 'nginx', template: 'configs/nginx-buffering.conf', allowOrigin: true },
  '4-nginx-timeout': { proxy: 'nginx', template: 'configs/nginx-timeout.conf', allowOrigin: true },
  '5-apache-no-upgrade': {
    proxy: 'apache', template: 'configs/apache-no-upgrade.conf', allowOrigin: true, wstunnel: true,
  },
  '6-haproxy-no-tunnel': { proxy: 'haproxy', template: 'configs/haproxy-no-tunnel.cfg', allowOrigin: true },
  // Cells 4 and 6 again, with Tandem tuned to stay under a 10 s proxy timeout instead of the
  // proxy being fixed (docs/deploying.md: what to do when you cannot change the proxy).
  '4-nginx-timeout-tuned': {
    proxy: 'nginx', template: 'configs/nginx-timeout.conf', allowOrigin: true, tandemArgs: TUNED_FOR_10S,
  },
  '6-haproxy-no-tunnel-tuned': {
    proxy: 'haproxy', template: 'configs/haproxy-no-tunnel.cfg', allowOrigin: true, tandemArgs: TUNED_FOR_10S,
  },
  '7-silent': { proxy: 'fault', mode: 'silent', allowOrigin: true },
  '7-500': { proxy: 'fault', mode: '500', allowOrigin: true },
  '7-hang': { proxy: 'fault', mode: 'hang', allowOrigin: true },
  '8-nginx-tls': { proxy: 'nginx', template: 'deploy/nginx-tls.conf', tls: true },
  // Varnish passes Host through, so neither cell needs --allow-origin.
  '9-varnish-pass': { proxy: 'varnish', template: 'configs/varnish-pass.vcl' },
  '9-varnish': { proxy: 'varnish', template: 'deploy/varnish.vcl' },
};

// Fills {{NAME}} placeholders; a placeholder left over is a bug in the caller or the template.
export function fillTemplate(text, values) {
  const filled = text.replace(/\{\{([A-Z_]+)\}\}/g, (match, key) => {
    if (!(key in values)) throw new Error(`no value for ${match}`);
    return values[key];
  });
  return filled;
}

// Proxies listen below the kernel's ephemeral range (tests/support/free_port.mjs says why).
export { freePort };

// Resolves once something accepts TCP connections on 127.0.0.1:port.
async function waitForPort(port, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`proxy exited (${child.exitCode ?? child.signalCode}) before listening`);
    }
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A self-signed certificate for 127.0.0.1 and localhost, made with openssl.
function makeCertificate(dir) {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  const pem = path.join(dir, 'cert+key.pem');
  writeFileSync(pem, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
  return { cert, key, pem, ca: readFileSync(cert, 'utf8') };
}

// Every process the cells started, so none outlives the test process even when it crashes or
// is interrupted. Proxies run in their own process group (their PID is its id), so their
// workers go with them: Apache's children outlive a parent killed with SIGKILL.
const children = new Set();
const upstreams = new Set();
const cellDirs = new Set();
function killChildren() {
  for (const dir of cellDirs) rmSync(dir, { recursive: true, force: true });
  for (const child of children) {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  for (const upstream of upstreams) {
    try { process.kill(upstream.pid, 'SIGKILL'); } catch { /* gone */ }
    if (upstream.ownsDataDir) rmSync(upstream.dataDir, { recursive: true, force: true });
  }
}
process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killChildren();
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}

class ProxyProcess {
  constructor(command, args, { env } = {}) {
    this.log = '';
    this.child = spawn(command, args, {
      env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    this.pid = this.child.pid;
    children.add(this.child);
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => {
      children.delete(this.child);
      resolve({ code, signal });
    }));
    this.child.stdout.on('data', (d) => { this.log += d; });
    this.child.stderr.on('data', (d) => { this.log += d; });
  }

  // SIGTERM by PID (each of these proxies stops its workers on it), SIGKILL to its process
  // group after a grace, and to whatever of the group is left once it has exited.
  async stop(graceMs = 5000) {
    const killGroup = () => { try { process.kill(-this.pid, 'SIGKILL'); } catch { /* gone */ } };
    if (this.child.exitCode === null && this.child.signalCode === null) {
      try { process.kill(this.pid, 'SIGTERM'); } catch { /* gone */ }
      const timer = setTimeout(killGroup, graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    killGroup();
  }
}

function startNginx(dir, site) {
  writeNginxConfig(dir, site, { workerConnections: 512 });
  return new ProxyProcess('nginx', ['-p', dir, '-c', `${dir}/nginx.conf`, '-e', `${dir}/error.log`]);
}

function startApache(dir, site, port, { tls, wstunnel }) {
  const modules = ['mpm_event', 'authz_core', 'proxy', 'proxy_http', 'headers'];
  if (wstunnel) modules.push('proxy_wstunnel');
  if (tls) modules.push('socache_shmcb', 'ssl');
  writeFileSync(path.join(dir, 'site.conf'), site);
  writeFileSync(path.join(dir, 'apache.conf'), [
    `ServerRoot ${dir}`,
    'ServerName 127.0.0.1',
    `Listen 127.0.0.1:${port}`,
    `PidFile ${dir}/apache.pid`,
    `DefaultRuntimeDir ${dir}`,
    `ErrorLog ${dir}/error.log`,
    'LogLevel warn',
    ...modules.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
    // Running as root (CI containers), the children must drop to an unprivileged user.
    ...(process.getuid?.() === 0 ? ['User nobody', 'Group nogroup'] : []),
    ...(tls ? [`SSLSessionCache shmcb:${dir}/ssl_scache(512000)`] : []),
    `Include ${dir}/site.conf`,
    '',
  ].join('\n'));
  return new ProxyProcess('apache2', ['-f', `${dir}/apache.conf`, '-DFOREGROUND']);
}

function startCaddy(dir, site) {
  // The global options block binds every listener to 127.0.0.1, turns the admin endpoint and
  // automatic HTTPS off and keeps Caddy's state in the cell's directory.
  writeFileSync(path.join(dir, 'Caddyfile'), [
    '{',
    '    admin off',
    '    auto_https off',
    '    default_bind 127.0.0.1',
    `    storage file_system ${dir}/storage`,
    '}',
    '',
    site,
  ].join('\n'));
  const env = { HOME: dir, XDG_DATA_HOME: `${dir}/data`, XDG_CONFIG_HOME: `${dir}/config` };
  return new ProxyProcess('caddy', ['run', '--config', `${dir}/Caddyfile`, '--adapter', 'caddyfile'], { env });
}

// Varnish listens where -a says (VCL has no listen directive). Its worker drops to the
// `vcache` user when started as root, so the cell directory must be readable by it; -T none
// turns the management port off.
function startVarnish(dir, vcl, port) {
  writeFileSync(path.join(dir, 'tandem.vcl'), vcl);
  chmodSync(dir, 0o755);
  return new ProxyProcess('varnishd', [
    '-F', '-a', `127.0.0.1:${port}`, '-f', `${dir}/tandem.vcl`, '-n', `${dir}/varnish`,
    '-s', 'malloc,32m', '-T', 'none', '-p', 'thread_pools=1', '-p', 'thread_pool_min=10',
  ]);
}

function startHaproxy(dir, site) {
  writeFileSync(path.join(dir, 'haproxy.cfg'), site);
  return new ProxyProcess('haproxy', ['-f', `${dir}/haproxy.cfg`, '-db']);
}

// Starts the named cell: Tandem first (its port goes into the proxy's configuration), then
// the proxy. Options: tandemArgs (extra `tandem serve` flags), allowOrigin (overrides the
// cell's choice of telling Tandem the public origin).
export async function startCell(name, { tandemArgs = [], allowOrigin } = {}) {
  const cell = CELLS[name];
  if (!cell) throw new Error(`unknown cell ${name}`);
  const dir = makeTempDir(`tandem-proxy-${name}-`);
  cellDirs.add(dir);
  const port = await freePort();
  const scheme = cell.tls ? 'https' : 'http';
  const origin = `${scheme}://127.0.0.1:${port}`;
  const args = ['--threads', '1', '--trusted-proxy', '127.0.0.1', ...(cell.tandemArgs ?? []), ...tandemArgs];
  if (allowOrigin ?? cell.allowOrigin) args.push('--allow-origin', origin);
  const upstream = await TandemServer.start({ args });
  upstreams.add(upstream);
  const upstreamAddress = `127.0.0.1:${upstream.port}`;
  let proxy;
  let certificate;
  const stopAll = async () => {
    await proxy?.stop();
    await upstream.stop();
    upstreams.delete(upstream);
    rmSync(dir, { recursive: true, force: true });
    cellDirs.delete(dir);
  };
  try {
    if (cell.proxy === 'fault') {
      proxy = new FaultProxy({ mode: cell.mode, upstreamPort: upstream.port });
      await proxy.listen(port);
    } else {
      if (cell.tls) certificate = makeCertificate(dir);
      const values = {
        LISTEN: `127.0.0.1:${port}`,
        SITE: origin,
        UPSTREAM: upstreamAddress,
        UPSTREAM_HOST: '127.0.0.1',
        UPSTREAM_PORT: String(upstream.port),
        CERT: certificate?.cert,
        KEY: certificate?.key,
        PEM: certificate?.pem,
      };
      const templatePath = path.join(cell.template.startsWith('deploy/') ? repoRoot : here, cell.template);
      const site = fillTemplate(readFileSync(templatePath, 'utf8'), values);
      if (cell.proxy === 'nginx') proxy = startNginx(dir, site);
      else if (cell.proxy === 'apache') proxy = startApache(dir, site, port, cell);
      else if (cell.proxy === 'caddy') proxy = startCaddy(dir, site);
      else if (cell.proxy === 'haproxy') proxy = startHaproxy(dir, site);
      else if (cell.proxy === 'varnish') proxy = startVarnish(dir, site, port);
      const failed = (message) => {
        let logs = proxy.log;
        try { logs += readFileSync(path.join(dir, 'error.log'), 'utf8'); } catch { /* none */ }
        return new Error(`${name}: ${message}\n${logs}`);
      };
      await waitForPort(port, 10000 * slowFactor, proxy.child).catch((error) => { throw failed(error.message); });
      // Something answering is not enough: it must be our proxy, still running.
      if (proxy.child.exitCode !== null || proxy.child.signalCode !== null) {
        throw failed(`the proxy exited (${proxy.child.exitCode ?? proxy.child.signalCode}) although the port answers`);
      }
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    name,
    cell,
    url: origin,
    origin,
    upstream,
    ca: certificate?.ca,
    proxy,
    proxyLog: () => {
      let logs = proxy?.log ?? '';
      try { logs += readFileSync(path.join(dir, 'error.log'), 'utf8'); } catch { /* none */ }
      return logs;
    },
    stop: stopAll,
  };
}
