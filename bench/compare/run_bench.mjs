// One `tandem bench` run, its JSON report read back.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnWithFiles } from './servers.mjs';

// Resolves the parsed report (with `exit` added); rejects only when there is no report at all.
export function runBench({ tandemBin, server, target, transport, scenario, args }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tandem-compare-run-'));
  const json = path.join(dir, 'report.json');
  const argv = ['bench', scenario, '--url', server.url, '--server-pid', String(server.pid),
    '--target', target, '--transport', transport, '--json', json, '--no-progress', ...args];
  const child = spawnWithFiles([tandemBin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (c) => { output += c; });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      try {
        const report = JSON.parse(readFileSync(json, 'utf8'));
        report.exit = code;
        resolve(report);
      } catch {
        reject(new Error(`tandem ${argv.join(' ')} exited with ${code} and no report:\n${output}`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
