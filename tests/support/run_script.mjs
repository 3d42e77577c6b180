// Runs a repository script with Node against the binary under test; resolves its exit code
// and everything it printed, killing it after `timeoutMs` (scaled for sanitizer builds).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot, tandemBin, slowFactor } from './tandem_process.mjs';

export async function runScript(script, args, timeoutMs) {
  const child = spawn(process.execPath, [path.join(repoRoot, script), ...args],
    { env: { ...process.env, TANDEM_BIN: tandemBin }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (c) => { output += c; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs * slowFactor);
  const code = await new Promise((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, output };
}
