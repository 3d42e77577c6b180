// POST /v1/send, the uplink of both HTTP modes (issue #5): a retried POST applies once and its
// answer reports the duplicate with the original confirmation, also after a restart; body and
// batch limits refuse a request as a whole and change nothing.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { TandemServer, makeTempDir } from '../support/tandem_process.mjs';
import { httpRequest, poll, send } from '../support/http_transport.mjs';

async function docState(base, id) {
  const res = await httpRequest(`${base}/v1/docs/${id}`);
  assert.equal(res.status, 200, res.body);
  return res.json;
}

const op = (doc, v, seq, ops) => ({ t: 'op', doc, v, seq, op: ops });

describe('duplicate POSTs', () => {
  let server;
  before(async () => { server = await TandemServer.start(); });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  test('the same body posted twice applies once; the retry reports the original version', async () => {
    const body = [op('dup', 0, 1, ['one']), op('dup', 1, 2, [3, ' two']), { t: 'ping', id: 7 }];
    const first = await send(server.url, 'dupper', body);
    assert.equal(first.status, 200, first.body);
    assert.deepEqual(first.json.results, [{ ok: true, v: 0 }, { ok: true, v: 1 }, { ok: true, reply: { t: 'pong', id: 7 } }]);
    // Someone else moves the document on, so "the same version" cannot be a coincidence.
    await send(server.url, 'bystander', [op('dup', 2, 1, ['>'])]);
    const retry = await send(server.url, 'dupper', body);
    assert.equal(retry.status, 200, retry.body);
    assert.deepEqual(retry.json.results, [
      { ok: true, v: 0, duplicate: true },
      { ok: true, v: 1, duplicate: true },
      { ok: true, reply: { t: 'pong', id: 7 } },
    ]);
    assert.deepEqual(await docState(server.url, 'dup'), { id: 'dup', version: 3, text: '>one two' });
  });

  test('concurrent retries of one POST apply once', async () => {
    const body = [op('race', 0, 1, ['x']), op('race', 1, 2, [1, 'y'])];
    const answers = await Promise.all(Array.from({ length: 8 }, () => send(server.url, 'racer', body)));
    for (const a of answers) {
      assert.equal(a.status, 200);
      assert.deepEqual(a.json.results.map((r) => r.v), [0, 1]);
    }
    const fresh = answers.flatMap((a) => a.json.results).filter((r) => !r.duplicate);
    assert.equal(fresh.length, 2, JSON.stringify(answers.map((a) => a.json.results)));
    assert.deepEqual(await docState(server.url, 'race'), { id: 'race', version: 2, text: 'xy' });
  });

  test('a seq repeated inside one batch is applied once', async () => {
    const res = await send(server.url, 'twice', [op('inner', 0, 1, ['a']), op('inner', 0, 1, ['a'])]);
    assert.deepEqual(res.json.results, [{ ok: true, v: 0 }, { ok: true, v: 0, duplicate: true }]);
    assert.deepEqual(await docState(server.url, 'inner'), { id: 'inner', version: 1, text: 'a' });
  });

  test('the downlink confirms a retried op once, in order', async () => {
    const body = [op('confirm', 0, 1, ['hi'])];
    await send(server.url, 'confirmer', body);
    await send(server.url, 'confirmer', body);
    const res = await poll(server.url, 'confirmer', ['confirm@0']);
    assert.deepEqual(res.messages, [{ t: 'op', doc: 'confirm', v: 0, op: ['hi'], client: 'confirmer', seq: 1 }]);
  });
});

describe('duplicate POSTs after a restart', () => {
  for (const how of ['SIGTERM', 'SIGKILL']) {
    test(`a retried POST after ${how} and restart applies once (also behind the in-memory window)`, async () => {
      const dataDir = makeTempDir();
      const args = ['--history-window', '4'];
      let server = await TandemServer.start({ dataDir, args });
      try {
        const body = [op('restart', 0, 1, ['first']), op('restart', 1, 2, [5, '!'])];
        const first = await send(server.url, 'survivor', body);
        assert.deepEqual(first.json.results, [{ ok: true, v: 0 }, { ok: true, v: 1 }]);
        if (how === 'SIGKILL') {
          server.signal('SIGKILL');
          await server.exited;
        } else {
          assert.equal((await server.stop()).code, 0);
        }
        server = await TandemServer.start({ dataDir, args });
        // The answer was lost: the client sends the same body again.
        const retry = await send(server.url, 'survivor', body);
        assert.deepEqual(retry.json.results, [{ ok: true, v: 0, duplicate: true }, { ok: true, v: 1, duplicate: true }]);
        // Ten more ops push the originals out of the 4-op window; the log still knows them.
        for (let i = 0; i < 10; i++) await send(server.url, 'filler', [op('restart', 2 + i, i + 1, ['.'])]);
        const late = await send(server.url, 'survivor', body);
        assert.deepEqual(late.json.results, [{ ok: true, v: 0, duplicate: true }, { ok: true, v: 1, duplicate: true }]);
        const state = await docState(server.url, 'restart');
        assert.equal(state.version, 12);
        assert.equal(state.text, '..........first!');
        await server.stop();
      } finally {
        if (server.child.exitCode === null) server.signal('SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});

describe('POST /v1/send limits', () => {
  let server;
  before(async () => {
    server = await TandemServer.start({ args: ['--max-body-bytes', '64KiB', '--max-message-bytes', '16KiB'] });
  });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  const unchanged = async (doc) => assert.deepEqual(await docState(server.url, doc), { id: doc, version: 0, text: '' });

  test('a body over max-body-bytes gets 413 body_too_large and applies nothing', async () => {
    const body = JSON.stringify([op('limits-body', 0, 1, ['x'.repeat(70 * 1024)])]);
    const res = await send(server.url, 'big', body);
    assert.equal(res.status, 413);
    assert.equal(res.json.error.code, 'body_too_large');
    await unchanged('limits-body');
  });

  test('a body over max-message-bytes gets 413 message_too_large and applies nothing', async () => {
    const body = [op('limits-message', 0, 1, ['a']), op('limits-message', 1, 2, ['y'.repeat(20 * 1024)])];
    const res = await send(server.url, 'big', body);
    assert.equal(res.status, 413);
    assert.equal(res.json.error.code, 'message_too_large');
    assert.match(res.json.error.message, /\d/);
    await unchanged('limits-message');
  });

  test('at most 256 messages per batch: 256 pass, 257 get 413 message_too_large', async () => {
    const pings = (n) => Array.from({ length: n }, (_, i) => ({ t: 'ping', id: i }));
    const ok = await send(server.url, 'many', pings(256));
    assert.equal(ok.status, 200);
    assert.equal(ok.json.results.length, 256);
    assert.deepEqual(ok.json.results[255], { ok: true, reply: { t: 'pong', id: 255 } });
    const res = await send(server.url, 'many', [op('limits-batch', 0, 1, ['a']), ...pings(256)]);
    assert.equal(res.status, 413);
    assert.equal(res.json.error.code, 'message_too_large');
    await unchanged('limits-batch');
  });

  test('a body that is not a JSON array is refused as a whole', async () => {
    for (const [body, code] of [
      ['{"t":"ping","id":1}', 'bad_message'],
      ['[{"t":"ping","id":1}', 'bad_json'],
      ['', 'bad_json'],
      ['[' .repeat(40) + ']'.repeat(40), 'too_deep'],
    ]) {
      const res = await send(server.url, 'shape', body);
      assert.equal(res.status, 400, body);
      assert.equal(res.json.error.code, code, `${body}: ${res.body}`);
    }
    const empty = await send(server.url, 'shape', '[]');
    assert.deepEqual(empty.json, { results: [] });
  });

  test('a bad message in a batch gets its own error; the others still apply', async () => {
    const res = await send(server.url, 'mixed', [
      op('limits-mixed', 0, 1, ['a']),
      { t: 'op', doc: 'limits-mixed', v: 1, seq: 2 },
      op('limits-mixed', 1, 3, [5, 'x']),
      { t: 'sub', doc: 'limits-mixed', v: 0 },
      op('limits-mixed', 1, 4, [1, 'b']),
    ]);
    assert.equal(res.status, 200);
    const codes = res.json.results.map((r) => (r.ok ? r.v : r.code));
    assert.deepEqual(codes, [0, 'bad_message', 'op_past_end', 'bad_message', 1]);
    assert.deepEqual(await docState(server.url, 'limits-mixed'), { id: 'limits-mixed', version: 2, text: 'ab' });
  });

  test('an insert over max-op-bytes is refused as op_too_large', async () => {
    const small = await TandemServer.start({ args: ['--max-op-bytes', '1KiB'] });
    try {
      const res = await send(small.url, 'paster', [op('paste', 0, 1, ['z'.repeat(2000)]), { t: 'hello', client: 'paster' }]);
      assert.equal(res.status, 200);
      assert.equal(res.json.results[0].code, 'op_too_large');
      assert.equal(res.json.results[1].reply.limits.max_op_bytes, 1024);
      assert.equal((await docState(small.url, 'paste')).version, 0);
    } finally {
      await small.stop();
    }
  });
});
