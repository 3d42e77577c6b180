// The proxy matrix (issue 7): every cell of cells.mjs, started at once, probed on every
// transport, checked against what the cell must do, and written to RESULTS.md. In every cell two
// Chromium pages also type into one document through the proxy (browser_check.mjs).
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { CELLS, startCell } from './cells.mjs';
import {
  probeWebSocket, probeSse, probeSseStreams, probePoll, probeHeldPollCuts, probeHttp2, probeOriginCheck, converge, resumeAfterCut, startWriter,
} from './probes.mjs';
import { writeResults } from './results.mjs';
import { browserCheck, closeBrowser } from './browser_check.mjs';
import { EXPECTED, DOCTOR } from './expectations.mjs';
import { runTandem, slowFactor } from '../../support/tandem_process.mjs';

const IDLE_MS = 30000;        // longer than the poll hold (25 s) and a WebSocket ping (20 s)
const PROMPT_MS = 2500 * slowFactor;  // far from both a buffered stream (never) and a 10 s cut
async function runDoctor(cell) {
  const args = ['doctor', cell.url, '--json', '--timeout', String(3 * slowFactor), '--poll-timeout', '45'];
  if (cell.url.startsWith('https:')) args.push('--insecure');
  const run = await runTandem(args, { timeoutMs: 120000 * slowFactor });
  return { code: run.code, report: JSON.parse(run.stdout) };
}

function checkDoctor(doctor, expected) {
  const { report } = doctor;
  const outcomes = Object.fromEntries(report.checks.map((c) => [c.check, c.outcome]));
  const summary = JSON.stringify(report.checks.map((c) => `${c.check}:${c.outcome}: ${c.detail}`));
  assert.equal(report.transport, expected.transport, `doctor verdict: ${summary}`);
  assert.equal(doctor.code, expected.code);
  for (const [check, outcome] of Object.entries(expected.outcomes)) {
    assert.equal(outcomes[check], outcome, `doctor ${check}: ${summary}`);
  }
  if (expected.proxy) assert.equal(report.proxy, expected.proxy, report.proxy_evidence);
  if (expected.fix) assert.ok(report.fixes.some((f) => f.includes(expected.fix)), JSON.stringify(report.fixes));
}

const observed = new Map();

// A cut "at 10 s" counts from the last byte the proxy saw; allow for scheduling on a busy box.
function assertCutNear(what, afterMs, cutMs) {
  assert.ok(afterMs > cutMs - 1500 && afterMs < cutMs + 3000 * slowFactor,
    `${what} cut after ${afterMs} ms, expected about ${cutMs} ms`);
}

function checkWebSocket(ws, expected) {
  if (expected.ws === 'ok') {
    assert.equal(ws.handshake, 'ok', `WebSocket handshake: ${JSON.stringify(ws)}`);
    assert.ok(ws.welcomeMs < 2 * PROMPT_MS, `welcome after ${ws.welcomeMs} ms`);
    if (expected.wsIdle === 'kept') {
      assert.equal(ws.idle.cut, false, `idle WebSocket was cut: ${JSON.stringify(ws.idle)}`);
      assert.equal(ws.idle.pong, true, 'no pong after the idle period');
    } else {
      assert.equal(ws.idle.cut, true, `idle WebSocket was not cut: ${JSON.stringify(ws.idle)}`);
      assert.equal(ws.idle.closeCode, 1006, 'an idle WebSocket cut by the proxy closes without a close frame');
      assertCutNear('idle WebSocket', ws.idle.afterMs, expected.wsIdle.cutMs);
    }
  } else if (expected.ws.refused) {
    assert.equal(ws.handshake, 'refused', `WebSocket handshake: ${JSON.stringify(ws)}`);
    assert.equal(ws.status, expected.ws.refused);
    if (expected.ws.code) assert.equal(ws.code, expected.ws.code);
  } else {
    assert.equal(ws.handshake, expected.ws, `WebSocket handshake: ${JSON.stringify(ws)}`);
  }
}

function checkSse(sse, expected) {
  if (expected.sse === 'buffered') {
    // Nothing at all (not even the response headers) within the whole observation window.
    assert.equal(sse.status, 'no response', `SSE through a buffering proxy: ${JSON.stringify(sse)}`);
    assert.equal(sse.welcomeMs, null, `SSE welcome arrived after ${sse.welcomeMs} ms through a buffering proxy`);
    assert.equal(sse.liveMs, null, 'a live SSE event passed a buffering proxy');
    return;
  }
  assert.equal(sse.status, 200, `SSE: ${JSON.stringify(sse)}`);
  assert.ok(sse.welcomeMs !== null && sse.welcomeMs < PROMPT_MS, `SSE welcome after ${sse.welcomeMs} ms`);
  assert.ok(sse.liveMs !== null && sse.liveMs < PROMPT_MS, `live SSE event after ${sse.liveMs} ms`);
  if (expected.sseIdle === 'kept') {
    assert.equal(sse.end, null, `SSE stream ended: ${JSON.stringify(sse.end)}`);
    assert.ok(sse.heartbeats >= 1, 'no SSE heartbeat in the idle period');
  } else if (expected.sseIdle) {
    assert.notEqual(sse.end, null, 'the SSE stream was not cut');
    // From the last byte, not the start: on a slow machine a heartbeat may come before the cut.
    assertCutNear('SSE stream', sse.end.idleMs, expected.sseIdle.cutMs);
  }
}

// Every one of the consecutive streams shows its first event within the second, or (through a
// buffering proxy) none does.
function checkSseStreams(streams, expected) {
  const summary = JSON.stringify(streams.firstEventMs);
  if (expected.sse === 'buffered') {
    assert.equal(streams.prompt, 0, `streams through a buffering proxy showed events: ${summary}`);
  } else {
    assert.equal(streams.prompt, streams.count, `streams held back (null) or refused: ${summary}`);
  }
}

function checkPoll(poll, expected) {
  assert.equal(poll.hello.ok, true, `hello over POST /v1/send: ${JSON.stringify(poll.hello)}`);
  assert.equal(poll.firstStatus, 200);
  assert.ok(poll.firstMs < PROMPT_MS, `first poll answered after ${poll.firstMs} ms`);
  assert.equal(poll.liveStatus, 200);
  assert.ok(poll.liveMs !== null && poll.liveMs < PROMPT_MS, `held poll answered by a live op after ${poll.liveMs} ms`);
  assert.equal(poll.hold.status, expected.poll.status, `held poll: ${JSON.stringify(poll.hold)}`);
  assert.equal(poll.hold.empty, expected.poll.empty);
  assertCutNear('held poll', poll.hold.ms, expected.poll.ms);
}

// Chromium in the cell: both pages on the expected transport, no error, every keystroke once;
// idle through a proxy's read timeout, two cuts and no more: after two the client has learned
// the timeout and keeps the WebSocket alive with heartbeats within it (client/src/idle_cuts.ts).
// (A page may see fewer cuts: the other page's reconnects send it presence, which resets the
// proxy's timer on its socket.)
function checkBrowser(browser, expected) {
  const summary = JSON.stringify(browser);
  for (const page of browser.pages) {
    assert.equal(page.status, 200, `the demo page through the proxy: ${summary}`);
    assert.equal(page.transport, expected.browser, `transport Chromium settled on: ${summary}`);
  }
  for (const round of browser.rounds) {
    assert.equal(round.converged, true, `the two pages and the server disagree: ${summary}`);
    assert.deepEqual(round.wrong, [], `keystrokes lost or doubled: ${summary}`);
  }
  assert.deepEqual(browser.pageErrors, [], 'errors in the page');
  for (const page of browser.final) {
    assert.equal(page.state, 'connected', `the page ended ${page.state}: ${page.banner}`);
    assert.equal(page.transport, expected.browser);
    if (expected.wsIdle?.cutMs) {
      assert.ok(page.reconnects <= 2, `${page.reconnects} reconnects in ${3 * expected.wsIdle.cutMs / 1000 + 5} s idle: ${summary}`);
      if (page.reconnects === 2) {
        assert.ok(Math.abs(page.idleTimeoutMs - expected.wsIdle.cutMs) < 2500, `learned an idle timeout of ${page.idleTimeoutMs} ms: ${summary}`);
      }
    } else {
      assert.ok(page.reconnects <= 1, `${page.reconnects} reconnects: ${summary}`);
    }
  }
}

describe('proxy matrix', { concurrency: true }, () => {
  after(async () => {
    await closeBrowser();
    writeResults(observed, EXPECTED);
  });

  for (const name of Object.keys(CELLS)) {
    const expected = EXPECTED[name];
    test(name, { timeout: 150000 * slowFactor }, async () => {
      const cell = await startCell(name);
      const record = { name, expected, startedAt: new Date() };
      observed.set(name, record);
      const writer = await startWriter(cell.upstream.url);
      try {
        [record.ws, record.sse, record.poll, record.doctor, record.browser, record.pollCuts] = await Promise.all([
          probeWebSocket(cell, { idleMs: IDLE_MS }),
          probeSse(cell, writer, { observeMs: IDLE_MS, doc: 'sse-probe' }),
          probePoll(cell, writer, { holdDoc: 'poll-hold', liveDoc: 'poll-live' }),
          runDoctor(cell),
          // Idle through three of the proxy's cuts: two teach the client the timeout.
          browserCheck(cell, { idleMs: expected.wsIdle?.cutMs ? 3 * expected.wsIdle.cutMs + 5000 : 0 }),
          // Where the proxy cuts held polls (504, Varnish's 503), the server must tell (tandem_proxy_read_timeout_*).
          [503, 504].includes(expected.poll.status) ? probeHeldPollCuts(cell) : null,
        ]);
        // After the probes above, so their streams do not overlap these.
        record.sseStreams = await probeSseStreams(cell);
        checkDoctor(record.doctor, DOCTOR[name]);
        checkBrowser(record.browser, expected);
        if (record.pollCuts) {
          assert.ok(record.pollCuts.suspected >= 1, `held polls cut at 10 s went unnoticed: ${JSON.stringify(record.pollCuts)}`);
          assert.ok(Math.abs(record.pollCuts.seconds - expected.poll.ms / 1000) < 1.5, `read timeout reported as ${record.pollCuts.seconds} s`);
        }
        checkWebSocket(record.ws, expected);
        checkSse(record.sse, expected);
        checkSseStreams(record.sseStreams, expected);
        checkPoll(record.poll, expected);
        // Two clients per working transport, then one on each at once.
        record.converge = [];
        for (const transport of expected.converge) {
          record.converge.push(await converge(cell, [transport, transport], { doc: `converge-${transport}` }));
        }
        if (expected.converge.length > 1) {
          record.converge.push(await converge(cell, expected.converge, { doc: 'converge-mixed' }));
        }
        for (const run of record.converge) {
          assert.deepEqual(run.missing, [], `${run.transports}: characters lost or duplicated`);
          assert.equal(run.equal, true, `${run.transports}: clients disagree with the server`);
          assert.deepEqual(run.errors, [], `${run.transports}: errors reached the clients`);
        }
        if (expected.wsIdle?.cutMs) {
          record.resume = await resumeAfterCut(cell, { doc: 'resume', waitMs: expected.wsIdle.cutMs + 10000 * slowFactor });
          assert.equal(record.resume.closeCode, 1006);
          assertCutNear('idle WebSocket (resume run)', record.resume.cutAfterMs, expected.wsIdle.cutMs);
          assert.deepEqual(record.resume.missing, [], 'edits lost or doubled across the cut');
          assert.equal(record.resume.converged, true);
          assert.deepEqual(record.resume.errors, [], 'errors reached the clients across the cut');
        }
        if (CELLS[name].tls) {
          // Where the proxy speaks HTTP/2, SSE and polls pass over it, and WebSocket over
          // HTTP/2 is not offered (browsers would take it; HAProxy 2.6 answers it with a 500).
          record.http2 = await probeHttp2(cell, { doc: 'http2-probe' });
          if (record.http2.h2) {
            assert.equal(record.http2.extendedConnect, false, 'the proxy offers WebSocket over HTTP/2');
            assert.ok(record.http2.sseWelcomeMs !== null && record.http2.sseWelcomeMs < PROMPT_MS, 'SSE over HTTP/2');
            assert.equal(record.http2.pollStatus, 200, 'poll over HTTP/2');
          }
        }
        if (expected.originWithoutAllowList) {
          const bare = await startCell(name, { allowOrigin: false });
          try { record.originWithoutAllowList = await probeOriginCheck(bare); } finally { await bare.stop(); }
          assert.deepEqual(record.originWithoutAllowList, expected.originWithoutAllowList,
            'the browser\'s uplink POST without --allow-origin');
        }
        record.passed = true;
      } catch (error) {
        record.failure = error.message;
        error.message += `\nproxy log:\n${cell.proxyLog().slice(-3000)}`;
        throw error;
      } finally {
        writer.close();
        await cell.stop();
      }
    });
  }
});
