// The tables of bench/compare (compare.md): the largest number of authors each system holds
// under the target, with Tandem's ratio over each peer; every point of the sweeps; and the
// other scenarios at one size.

const fmt = (value, digits = 1) => (value === null || value === undefined ? '–' : Number(value).toFixed(digits));
const errorText = (errors) => {
  const entries = Object.entries(errors ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(' ') : '0';
};
const held = (s) => `${s.capped ? '≥ ' : ''}${s.largest}`;

export function renderMarkdown(results) {
  const m = results.machine;
  const out = [];
  out.push(`# Tandem and its peers, side by side${m.smoke ? ' (smoke run: tiny sizes, not figures)' : ''}`);
  out.push('');
  out.push(`Run ${m.date} on ${m.nproc} cores (${m.cpu}), ${m.memory_gib.toFixed(1)} GiB; ` +
    `Tandem ${m.commit}, Node ${m.node}, sharedb ${m.sharedb}, socket.io ${m.socketio}; ` +
    `${m.duration_s} s measured per point; generator and server share the machine. ` +
    'Command: `make bench` (or `node bench/compare/run.mjs`).');
  out.push('');
  out.push('Tandem fsyncs every op before its ack; the ShareDB peer keeps everything in memory and ' +
    'the Socket.IO peer only relays (no OT, no storage): their acks promise nothing.');
  out.push('');
  out.push(`## Largest N authors × 2 ops/s with p95 submit → every author under ${results.target_ms} ms`);
  out.push('');
  out.push('| system | transport | authors held | p95 there | deliveries/s there | server CPU per delivery | Tandem (same transport family) / this |');
  out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  const tandem = (transport) => results.series.find((s) => s.system === 'tandem' && s.transport === transport);
  for (const s of results.series) {
    const at = s.points.find((p) => p.authors === s.largest);
    // Socket.IO polling is compared with Tandem's long-poll, WebSockets with WebSockets.
    const mine = s.system === 'tandem' ? null : tandem(s.transport);
    const ratio = mine && s.largest > 0 ? `${(mine.largest / s.largest).toFixed(1)}×${mine.capped ? ' or more' : ''}` : '–';
    const perDelivery = at && at.server_cores !== null && at.deliveries_per_s > 0
      ? `${fmt((at.server_cores * 1e6) / at.deliveries_per_s, 2)} µs` : '–';
    out.push(`| ${s.system} | ${s.transport} | ${held(s)} | ${at ? `${fmt(at.p95_ms)} ms` : '–'} | ` +
      `${at ? fmt(at.deliveries_per_s, 0) : '–'} | ${perDelivery} | ${ratio} |`);
  }
  out.push('');
  out.push('## Every point of the sweeps');
  out.push('');
  out.push('| system | transport | authors | p50 ms | p95 ms | p99 ms | confirm p95 ms | confirmed ops/s | deliveries/s | server cores | generator cores | errors | holds |');
  out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
  for (const s of results.series) {
    for (const p of [...s.points].sort((a, b) => a.authors - b.authors)) {
      out.push(`| ${s.system} | ${s.transport} | ${p.authors} | ${fmt(p.p50_ms)} | ${fmt(p.p95_ms)} | ${fmt(p.p99_ms)} | ` +
        `${fmt(p.confirm_p95_ms)} | ${fmt(p.confirmed_per_s, 0)} | ${fmt(p.deliveries_per_s, 0)} | ${fmt(p.server_cores, 2)} | ` +
        `${fmt(p.generator_cores, 2)} | ${errorText(p.errors)} | ${p.ok ? 'yes' : 'no'} |`);
    }
  }
  out.push('');
  out.push('## The other scenarios, one size each');
  out.push('');
  out.push('| system | transport | viewers: subscribers | deliveries/s | p50 / p99 ms | idle: clients | server RSS per client | join: joins/s | join p50 / p99 ms | errors |');
  out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const s of results.series) {
    const { viewers, idle, join } = s.other;
    const errors = errorText({ ...viewers.errors, ...idle.errors, ...join.errors });
    out.push(`| ${s.system} | ${s.transport} | ${viewers.clients - 1} | ${fmt(viewers.deliveries_per_s, 0)} | ` +
      `${fmt(viewers.all_p50_ms)} / ${fmt(viewers.all_p99_ms)} | ${idle.clients} | ` +
      `${idle.rss_per_client === null ? '–' : `${fmt(idle.rss_per_client / 1024)} KiB`} | ${fmt(join.joins_per_s, 0)} | ` +
      `${fmt(join.join_p50_ms)} / ${fmt(join.join_p99_ms)} | ${errors} |`);
  }
  out.push('');
  out.push('![p50 and p95 latency against authors](authors.svg)');
  out.push('');
  return `${out.join('\n')}\n`;
}
