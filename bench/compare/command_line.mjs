// The command line the bench runners share: the repository root, flags, --smoke, --out,
// --duration and the tandem binary.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// The value after `name` on the command line, or `fallback`.
export const flag = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : fallback;
};

// What every runner takes; `defaultDuration` is the full run's seconds per measurement.
export function commonOptions(defaultDuration) {
  const smoke = process.argv.includes('--smoke');
  return {
    smoke,
    outDir: path.resolve(flag('--out', path.join(root, 'bench/results'))),
    duration: Number(flag('--duration', smoke ? '1' : String(defaultDuration))),
    tandemBin: process.env.TANDEM_BIN ?? path.join(root, 'build/release/tandem'),
  };
}
