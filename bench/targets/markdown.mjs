// targets.md: one row per issue-8 target with the measured figure, the bound and the verdict.

export function renderTargets(results) {
  const m = results.machine;
  const out = [];
  out.push(`# Tandem against issue 8's targets${m.smoke ? ' (smoke run: tiny sizes, not figures)' : ''}`);
  out.push('');
  out.push(`Run ${m.date} on ${m.nproc} cores (${m.cpu}), ${m.memory_gib.toFixed(1)} GiB, ` +
    `load average ${m.load_average.toFixed(1)} at the start; Tandem ${m.commit}; ${m.duration_s} s ` +
    'measured per target, each on a freshly started `tandem serve`; generator and server share ' +
    'the machine. Command: `make bench` (or `node bench/targets/run.mjs`).');
  out.push('');
  out.push('| target | measured | bound | verdict | server cores | generator cores | command |');
  out.push('| --- | --- | --- | --- | ---: | ---: | --- |');
  for (const t of results.targets) {
    const errors = t.errors === 0 ? '' : `, ${t.errors} errors`;
    const cores = (value) => (value === null || value === undefined ? '–' : value.toFixed(2));
    out.push(`| ${t.name} | ${t.figure}${errors} | ${t.bound} | ${t.met ? '**met**' : 'missed'} | ` +
      `${cores(t.server_cores)} | ${cores(t.generator_cores)} | \`${t.command}\` |`);
  }
  out.push('');
  return `${out.join('\n')}\n`;
}
