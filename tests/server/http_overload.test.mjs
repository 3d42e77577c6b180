// Overload on the HTTP downlinks (issue #5): beyond max-held-requests the server answers 503 with
// Retry-After instead of queueing without bound, beyond max-connections-per-ip one address gets
// 429 with Retry-After, and both recover as soon as held requests end.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { TandemServer, slowFactor } from '../support/tandem_process.mjs';
import { SseConnection, poll, send, sleep } from '../support/http_transport.mjs';

// A poll that the server holds (nothing pending after doc@0); resolves when it is answered.
function heldPoll(base, client, doc, headers = {}) {
  const controller = new AbortController();
  const answer = poll(base, client, [`${doc}@0`], { headers, signal: controller.signal });
  answer.catch(() => {});
  return { answer, abort: () => controller.abort() };
}

// Waits until the server holds what was opened: a request it holds gives no answer.
async function settled(promises, ms = 300 * slowFactor) {
  const raced = await Promise.race([Promise.any(promises).then(() => 'answered', () => 'failed'), sleep(ms).then(() => 'held')]);
  assert.equal(raced, 'held', 'a request that should be held was answered');
}

function assertRefused(res, status, code) {
  assert.equal(res.status, status, res.body);
  assert.equal(res.json.error.code, code);
  const retryAfter = Number(res.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${res.headers['retry-after']}`);
}

describe('overload on the HTTP downlinks', () => {
  test('beyond max-held-requests: 503 overloaded with Retry-After, for polls and SSE; recovery after', async () => {
    const server = await TandemServer.start({ args: ['--max-held-requests', '3', '--poll-hold', '20s'] });
    try {
      const sseA = await SseConnection.open(server.url, 'held-sse-a', ['load@0']);
      const sseB = await SseConnection.open(server.url, 'held-sse-b', ['load@0']);
      assert.equal(sseA.status, 200);
      assert.equal(sseB.status, 200);
      const held = heldPoll(server.url, 'held-poll', 'load');
      await settled([held.answer]);

      assertRefused(await poll(server.url, 'refused-poll', ['load@0']), 503, 'overloaded');
      const refusedSse = await SseConnection.open(server.url, 'refused-sse', ['load@0']);
      await refusedSse.waitEnded(10000 * slowFactor);
      assert.equal(refusedSse.status, 503);
      assert.equal(JSON.parse(refusedSse.text).error.code, 'overloaded');
      assert.ok(Number(refusedSse.headers['retry-after']) >= 1);

      // The uplink is not a held request: it still works, and its op answers the held poll.
      const posted = await send(server.url, 'writer', [{ t: 'op', doc: 'load', v: 0, seq: 1, op: ['x'] }]);
      assert.deepEqual(posted.json.results, [{ ok: true, v: 0 }]);
      const answered = await held.answer;
      assert.equal(answered.status, 200);
      assert.equal(answered.messages[0].v, 0);

      // One slot is free again; a new held poll takes it, the next is refused.
      const again = heldPoll(server.url, 'held-poll', 'load-2');
      await settled([again.answer]);
      assertRefused(await poll(server.url, 'refused-poll', ['load@1']), 503, 'overloaded');

      // Closing streams frees their slots too.
      sseA.destroy();
      sseB.destroy();
      const deadline = Date.now() + 5000 * slowFactor;
      let recovered;
      do {
        await sleep(50);
        recovered = await poll(server.url, 'recovered', ['load']);  // a snapshot: answered at once
      } while (recovered.status === 503 && Date.now() < deadline);
      assert.equal(recovered.status, 200);
      assert.equal(recovered.messages[0].t, 'snapshot');
      const sseC = await SseConnection.open(server.url, 'held-sse-c', ['load@1']);
      assert.equal(sseC.status, 200);
      sseC.destroy();
      again.abort();
    } finally {
      await server.stop();
    }
  });

  test('answered polls give their slot back: many quick polls, then the limit is still whole', async () => {
    const server = await TandemServer.start({ args: ['--max-held-requests', '2', '--poll-hold', '20s'] });
    try {
      for (let i = 0; i < 40; i++) {
        const res = await poll(server.url, `quick-${i % 3}`, ['quick']);  // a snapshot each time
        assert.equal(res.status, 200);
      }
      const first = heldPoll(server.url, 'slot-1', 'quick');
      const second = heldPoll(server.url, 'slot-2', 'quick');
      await settled([first.answer, second.answer]);
      assertRefused(await poll(server.url, 'slot-3', ['quick@0']), 503, 'overloaded');
      first.abort();
      second.abort();
    } finally {
      await server.stop();
    }
  });

  test('beyond max-connections-per-ip: 429 too_many_connections with Retry-After, per address', async () => {
    const server = await TandemServer.start({
      args: ['--max-connections-per-ip', '2', '--trusted-proxy', '127.0.0.1', '--poll-hold', '20s'],
    });
    try {
      const from = (ip) => ({ 'X-Forwarded-For': ip });
      const a1 = heldPoll(server.url, 'ip-a1', 'perip', from('10.0.0.1'));
      const a2 = await SseConnection.open(server.url, 'ip-a2', ['perip@0'], { headers: from('10.0.0.1') });
      assert.equal(a2.status, 200);
      await settled([a1.answer]);
      assertRefused(await poll(server.url, 'ip-a3', ['perip@0'], { headers: from('10.0.0.1') }), 429, 'too_many_connections');
      const refusedSse = await SseConnection.open(server.url, 'ip-a4', ['perip@0'], { headers: from('10.0.0.1') });
      await refusedSse.waitEnded(10000 * slowFactor);
      assert.equal(refusedSse.status, 429);
      // Another address is not affected.
      const b1 = heldPoll(server.url, 'ip-b1', 'perip', from('10.0.0.2'));
      await settled([b1.answer]);

      // The held poll of 10.0.0.1 is answered by an op; its slot is free again.
      await send(server.url, 'writer', [{ t: 'op', doc: 'perip', v: 0, seq: 1, op: ['y'] }]);
      assert.equal((await a1.answer).status, 200);
      assert.equal((await b1.answer).status, 200);
      const a5 = heldPoll(server.url, 'ip-a1', 'perip-2', from('10.0.0.1'));
      await settled([a5.answer]);
      assertRefused(await poll(server.url, 'ip-a3', ['perip@1'], { headers: from('10.0.0.1') }), 429, 'too_many_connections');
      a2.destroy();
      const deadline = Date.now() + 5000 * slowFactor;
      let recovered;
      do {
        await sleep(50);
        recovered = await poll(server.url, 'ip-a3', ['perip'], { headers: from('10.0.0.1') });
      } while (recovered.status === 429 && Date.now() < deadline);
      assert.equal(recovered.status, 200);
      a5.abort();
    } finally {
      await server.stop();
    }
  });
});
