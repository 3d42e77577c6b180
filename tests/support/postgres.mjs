// A throwaway PostgreSQL server for node tests of `tandem serve --store postgres://...`: initdb in
// a fresh temp directory, pg_ctl start on a free loopback port (fsync on), stopped with pg_ctl
// stop -m immediate and removed by stop(). As root it runs as the unprivileged user tandem-test
// (scripts/install-deps creates it): PostgreSQL refuses to run as root. The C++ tests have the
// same harness in tests/store/pg_test_server.cpp.
import { spawn, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free_port.mjs';

const SERVER_USER = 'tandem-test';

// Where initdb and pg_ctl live: $TANDEM_PG_BIN, else the newest /usr/lib/postgresql/N/bin.
export function pgBinDir() {
  if (process.env.TANDEM_PG_BIN) return process.env.TANDEM_PG_BIN;
  let best = null;
  let bestVersion = 0;
  let entries = [];
  try { entries = readdirSync('/usr/lib/postgresql'); } catch { return null; }
  for (const name of entries) {
    const version = Number.parseInt(name, 10);
    const bin = path.join('/usr/lib/postgresql', name, 'bin');
    if (version > bestVersion && existsSync(path.join(bin, 'pg_ctl'))) {
      bestVersion = version;
      best = bin;
    }
  }
  return best;
}

// Why the PostgreSQL tests cannot run here, or null when they can. Only missing binaries are a
// reason to skip; CI installs them (scripts/install-deps).
export function postgresUnavailable() {
  return pgBinDir() === null ? 'PostgreSQL binaries not found; scripts/install-deps installs them' : null;
}

function asServerUser(command, args) {
  return process.getuid() === 0 ? ['runuser', ['-u', SERVER_USER, '--', command, ...args]] : [command, args];
}

function run(command, args) {
  const [file, argv] = asServerUser(command, args);
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`));
    });
  });
}

export class PostgresServer {
  static async start() {
    const bin = pgBinDir();
    if (bin === null) throw new Error(postgresUnavailable());
    const dir = mkdtempSync(path.join(tmpdir(), 'tandem-pg-'));
    const server = new PostgresServer(bin, dir);
    try {
      if (process.getuid() === 0) {
        const uid = Number(execFileSync('id', ['-u', SERVER_USER]).toString().trim());
        const gid = Number(execFileSync('id', ['-g', SERVER_USER]).toString().trim());
        chownSync(dir, uid, gid);  // mkdtemp made it 0700 and root's
      }
      // --no-sync only skips initdb's own fsyncs; the server runs with fsync=on.
      await run(path.join(bin, 'initdb'), ['-D', server.data, '-U', 'postgres', '-A', 'trust',
        '--no-sync', '-E', 'UTF8', '--locale=C']);
      for (let attempt = 0; ; attempt++) {
        server.port = await freePort();
        try {
          await server.startProcess();
          break;
        } catch (error) {
          if (attempt >= 4) throw new Error(`${error.message}\n${server.serverLog()}`);
        }
      }
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  constructor(bin, dir) {
    this.bin = bin;
    this.dir = dir;
    this.data = path.join(dir, 'data');
    this.running = false;
    this.port = 0;
    this.databases = 0;
  }

  // Starts the server process on this.port (again, after stopProcess()).
  async startProcess() {
    await run(path.join(this.bin, 'pg_ctl'), ['-D', this.data, '-l', path.join(this.dir, 'server.log'),
      '-w', '-t', '120', '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=on`, 'start']);
    this.running = true;
  }

  // Stops the server process as a crash would (immediate: no checkpoint), keeping its data.
  async stopProcess() {
    this.running = false;
    await run(path.join(this.bin, 'pg_ctl'), ['-D', this.data, '-m', 'immediate', '-w', 'stop']);
  }

  serverLog() {
    try { return readFileSync(path.join(this.dir, 'server.log'), 'utf8'); } catch { return ''; }
  }

  // A new, empty database; resolves its URL.
  async createDatabase() {
    const name = `t${process.pid}_${this.databases++}`;
    await run(path.join(this.bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', name]);
    return this.url(name);
  }

  url(database) {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async stop() {
    if (this.running) await this.stopProcess().catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}
