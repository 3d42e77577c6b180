// nginx as the tests run it: in the foreground, with its own prefix, pid file, logs and temp
// directories in a test directory, never as a system service. `site` is the server block
// (a deploy/ file with its placeholders filled in); it is included in the http {} block.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function nginxUnavailable() {
  const probe = spawnSync('nginx', ['-v'], { stdio: 'ignore' });
  return probe.error ? 'nginx not found; scripts/install-deps installs it' : null;
}

// Fills {{NAME}} placeholders; a placeholder left over is a bug in the caller or the template.
export function fillTemplate(text, values) {
  return text.replace(/\{\{([A-Z0-9_]+)\}\}/g, (match, key) => {
    if (!(key in values)) throw new Error(`no value for ${match}`);
    return values[key];
  });
}

// Writes an nginx.conf that keeps everything (pid, logs, temp files) in `dir`, in the foreground,
// around `site` (the http-level part: upstreams and servers), saved as site.conf.
export function writeNginxConfig(dir, site, { workerConnections = 2048 } = {}) {
  writeFileSync(path.join(dir, 'site.conf'), site);
  writeFileSync(path.join(dir, 'nginx.conf'), [
    'daemon off;',
    'worker_processes 1;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    `events { worker_connections ${workerConnections}; }`,
    'http {',
    '    access_log off;',
    `    client_body_temp_path ${dir}/client_body;`,
    `    proxy_temp_path ${dir}/proxy;`,
    `    fastcgi_temp_path ${dir}/fastcgi;`,
    `    uwsgi_temp_path ${dir}/uwsgi;`,
    `    scgi_temp_path ${dir}/scgi;`,
    `    include ${dir}/site.conf;`,
    '}',
    '',
  ].join('\n'));
}

export class NginxProcess {
  static start(dir, site) {
    writeNginxConfig(dir, site);
    return new NginxProcess(dir);
  }

  constructor(dir) {
    this.dir = dir;
    this.log = '';
    // Its own process group, so the worker goes too if the master is killed.
    this.child = spawn('nginx', ['-p', dir, '-c', `${dir}/nginx.conf`, '-e', `${dir}/error.log`],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.pid = this.child.pid;
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    this.child.stdout.on('data', (d) => { this.log += d; });
    this.child.stderr.on('data', (d) => { this.log += d; });
  }

  get running() { return this.child.exitCode === null && this.child.signalCode === null; }

  errorLog() {
    try { return this.log + readFileSync(path.join(this.dir, 'error.log'), 'utf8'); } catch { return this.log; }
  }

  // SIGTERM by PID (nginx stops its worker on it), SIGKILL to the process group after a grace.
  async stop(graceMs = 5000) {
    const killGroup = () => { try { process.kill(-this.pid, 'SIGKILL'); } catch { /* gone */ } };
    if (this.running) {
      try { process.kill(this.pid, 'SIGTERM'); } catch { /* gone */ }
      const timer = setTimeout(killGroup, graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    killGroup();
  }
}
