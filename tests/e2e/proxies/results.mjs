// Writes RESULTS.md from one full run of the matrix: what every cell did to every transport.
// A run writes build/proxy-matrix/RESULTS.md (`make test` changes no tracked file);
// `make proxy-results` copies the latest one over the committed tests/e2e/proxies/RESULTS.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CELLS } from './cells.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

function version(command, args) {
  // nginx prints its version on stderr, the others on stdout.
  const run = spawnSync(command, args, { encoding: 'utf8' });
  return `${run.stdout || run.stderr || 'unknown'}`.split('\n')[0].trim();
}

function describeWs(ws) {
  if (!ws) return '—';
  if (ws.handshake === 'ok') return `101, welcome in ${ws.welcomeMs} ms`;
  if (ws.handshake === 'refused') return `refused: ${ws.status}${ws.code ? ` \`${ws.code}\`` : ' (proxy error page)'}`;
  if (ws.handshake === 'silent') return `silent: 101, then no welcome in ${seconds(ws.deadlineMs)}`;
  if (ws.handshake === 'hung') return `hung: no answer in ${seconds(ws.deadlineMs)}`;
  return `${ws.handshake} ${ws.detail ?? ''}`;
}

function describeWsIdle(ws) {
  if (!ws?.idle) return '—';
  if (!ws.idle.cut) return `kept ${seconds(ws.idle.afterMs)}${ws.idle.pong ? ', pong after' : ', NO pong after'}`;
  return `cut after ${seconds(ws.idle.afterMs)}, close ${ws.idle.closeCode}`;
}

function describeSse(sse) {
  if (!sse) return '—';
  if (sse.status === 'no response') return `nothing in ${seconds(sse.end.afterMs)}, not even the headers`;
  if (sse.status !== 200) return `${sse.status} ${sse.code ?? ''}`;
  const welcome = sse.welcomeMs === null ? 'no welcome' : `welcome in ${sse.welcomeMs} ms`;
  const live = sse.liveMs === null ? 'live op never arrived' : `live op in ${sse.liveMs} ms`;
  return `${welcome}, ${live}${sse.gzip ? ' (gzip)' : ''}`;
}

function describeSseStreams(streams) {
  if (!streams) return '';
  const shown = streams.firstEventMs.filter((ms) => ms !== null);
  const max = shown.length ? `, slowest ${Math.max(...shown)} ms` : '';
  return `; ${streams.count} streams in a row: ${shown.length} showed their first event within ${seconds(streams.withinMs)}${max}`;
}

function describeSseIdle(sse) {
  if (!sse || sse.status !== 200) return '—';
  if (!sse.end) return `kept 30 s, ${sse.heartbeats} heartbeat${sse.heartbeats === 1 ? '' : 's'}`;
  const how = sse.end.how === 'end' ? 'clean end' : `${sse.end.how}: cut mid-stream`;
  return `ended after ${seconds(sse.end.afterMs)} (${how})`;
}

function describePoll(poll) {
  if (!poll) return '—';
  const hold = poll.hold.status === 200 && poll.hold.empty ? `200 \`[]\` after ${seconds(poll.hold.ms)}`
    : `${poll.hold.status} after ${seconds(poll.hold.ms)}`;
  return `${hold}; live op in ${poll.liveMs ?? '—'} ms`;
}

const SHORT = { websocket: 'ws', sse: 'sse', poll: 'poll' };
function describeConverge(runs) {
  if (!runs) return '—';
  return runs.map((run) => {
    const who = run.transports.every((t) => t === run.transports[0])
      ? `${SHORT[run.transports[0]]}×${run.transports.length}` : run.transports.map((t) => SHORT[t]).join('+');
    const ok = run.equal && run.missing.length === 0 && run.errors.length === 0;
    return `${who}: ${run.ops} edits ${ok ? 'converged' : 'DIVERGED'} in ${seconds(run.ms)}`;
  }).join('; ');
}

function describeHttp2(h2) {
  if (!h2) return '';
  if (!h2.h2) return '; no HTTP/2 (browsers use HTTP/1.1)';
  return `; over HTTP/2: SSE welcome in ${h2.sseWelcomeMs ?? '—'} ms, poll ${h2.pollStatus}, `
    + `WebSocket over HTTP/2 ${h2.extendedConnect ? 'OFFERED' : 'not offered'}`;
}

function describeOrigin(record) {
  const o = record.originWithoutAllowList;
  if (!o) return '';
  return `; without \`--allow-origin\` a browser's POST gets ${o.status}${o.code ? ` \`${o.code}\`` : ''} (Host rewritten)`;
}

function describeResume(resume) {
  if (!resume) return '';
  const ok = resume.converged && resume.missing.length === 0 && resume.errors.length === 0;
  return `; ws cut after ${seconds(resume.cutAfterMs)} idle (${resume.closeCode}), 2 edits typed while cut, `
    + `reconnected and resumed beside a poll client: ${ok ? 'nothing lost' : 'LOST EDITS'}`;
}

function describeBrowser(browser, expected) {
  if (!browser?.pages?.length) return '—';
  const transports = browser.pages.map((p) => SHORT[p.transport] ?? p.transport).join('/');
  const editable = browser.pages.map((p) => p.editableMs).join(' / ');
  const target = expected?.editableMs ? ` (target ${expected.editableMs})` : '';
  const rounds = browser.rounds.map((round, i) => {
    const ok = round.converged && round.wrong.length === 0;
    const when = i === 0 ? '' : 'after idling through 3 cuts, ';
    const learned = browser.final.map((s) => (s.idleTimeoutMs ? `${seconds(s.idleTimeoutMs)}` : 'none')).join('/');
    const reconnects = i === 0 ? '' : `, ${round.states.map((s) => s.reconnects).join('/')} reconnects, idle timeout learned ${learned}`;
    return `${when}${round.typed} keys typed at once ${ok ? 'converged' : 'DIVERGED'} in ${seconds(round.ms)}${reconnects}`;
  });
  return `${transports}; editable in ${editable} ms${target}; ${rounds.join('; ')}`;
}

function describePollCuts(cuts) {
  if (!cuts) return '';
  return `; ${cuts.holds.length} polls held at once, cut (${[...new Set(cuts.holds.map((h) => h.status))].join(', ')}): `
    + `the server counted a suspected read timeout of ${cuts.seconds.toFixed(1)} s`;
}

function describeDoctor(doctor) {
  if (!doctor) return '—';
  const failed = doctor.report.checks.filter((c) => c.status === 'fail').map((c) => `${c.check} ${c.outcome}`);
  return `exit ${doctor.code}: ${doctor.report.transport}${failed.length ? ` (${failed.join(', ')})` : ''}; proxy ${doctor.report.proxy}`;
}

export function writeResults(observed, expected) {
  const names = Object.keys(CELLS);
  if (!names.every((name) => observed.has(name))) {
    process.stderr.write('proxy matrix: not every cell ran; RESULTS.md left as it was\n');
    return;
  }
  const lines = [
    '# Proxy matrix results',
    '',
    'Written by `tests/e2e/proxies/matrix.test.mjs` (part of `make test`); do not edit by hand.',
    'Each cell is a real `tandem serve` (default settings unless the cell says otherwise: poll',
    'hold 25 s, SSE heartbeat 15 s, WebSocket ping every 20 s) behind a real proxy on loopback,',
    'probed with node clients: the WebSocket handshake and a connection left idle for 30 s; an SSE',
    'stream\'s first event, a live op made by another client, and the stream left idle for 30 s,',
    'then 20 streams opened one after another, each given 1 s to show its first event;',
    'a poll held with nothing to send and a held poll answered by a live op (one second after it',
    'opened; the SSE live op also comes about a second after the stream opens, so a stream cut',
    '"after 11 s" was cut 10 s after its last byte); then clients on every',
    'transport that works typing into one document at once through the proxy (every character',
    'typed must be in the server\'s copy exactly once and every client must agree with it).',
    'In the same cell two Chromium pages (playwright-core, Debian `chromium`, fresh contexts) open',
    'one document of the demo through the proxy, one after the other, and type into it at once',
    '(real key presses, one at the end, one at the start); "browser" gives the transport each page',
    'settled on, the time from navigation start to an editable, synced document, and whether both',
    'pages and the server ended with every keystroke exactly once. Pages are loaded one cell at a',
    'time, while the other cells\' node probes run.',
    '',
    `Run: ${new Date().toISOString()}. All cells run at once on a shared machine, so times`,
    'include scheduling noise; they show the shape (milliseconds vs. the proxy\'s timeout), not',
    'a benchmark.',
    '',
    `Proxies: ${version('nginx', ['-v'])}; ${version('apache2', ['-v'])}; Caddy ${version('caddy', ['version'])};`,
    `${version('haproxy', ['-v'])}; ${version('varnishd', ['-V'])}.`,
    '',
    '| cell | WebSocket | idle WebSocket | SSE | idle SSE | held poll | concurrent editing | browser (Chromium ×2) | `tandem doctor` | result |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const name of names) {
    const r = observed.get(name);
    lines.push(`| ${name} | ${describeWs(r.ws)} | ${describeWsIdle(r.ws)} | ${describeSse(r.sse)}${describeSseStreams(r.sseStreams)} | `
      + `${describeSseIdle(r.sse)} | ${describePoll(r.poll)}${describePollCuts(r.pollCuts)} | ${describeConverge(r.converge)}${describeResume(r.resume)}${describeOrigin(r)}${describeHttp2(r.http2)} | `
      + `${describeBrowser(r.browser, expected[name])} | ${describeDoctor(r.doctor)} | ${r.passed ? 'as expected' : `**FAILED**: ${(r.failure ?? 'did not finish').split('\n')[0]}`} |`);
  }
  lines.push('', 'Cells: 1 = the files in `deploy/` (plain and TLS); 2 = nginx `location / { proxy_pass … }`;',
    '3 = nginx buffering and ignoring `X-Accel-Buffering`; 4 = nginx with `proxy_read_timeout 10s`;',
    '5 = Apache `ProxyPass` without `upgrade=websocket` (mod_proxy_wstunnel loaded); 6 = HAProxy',
    '`timeout client/server 10s`, no `timeout tunnel`; 7 = the fault proxy breaking the upgrade',
    '(silent after the 101, 500, hang); 8 = nginx terminating TLS (`deploy/nginx-tls.conf`);',
    '9 = Varnish: `-pass` the stock `return (pass)` VCL with a 10 s first-byte timeout, plain',
    '`deploy/varnish.vcl` (upgrades piped).',
    '`-tuned`: the same proxy, Tandem started with `--poll-hold 8s --sse-heartbeat 5s',
    '--dead-peer-timeout 16s`. Configurations: `deploy/` and `tests/e2e/proxies/configs/`.', '');
  const out = path.join(here, '..', '..', '..', 'build', 'proxy-matrix');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'RESULTS.md'), lines.join('\n'));
}
