// Lossless resumption over the HTTP transports (issue #5): no server-side session is needed for
// correctness, so a long-poll client survives a server restart (SIGTERM or kill -9) between two
// polls, and an SSE stream cut mid-stream, or ended by its lifetime/byte caps, resumes from
// Last-Event-ID with no gap and no duplicate.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { TandemServer, makeTempDir, slowFactor } from '../support/tandem_process.mjs';
import { textType } from '../support/protocol_client.mjs';
import { SseConnection, StreamChecker, httpRequest, poll, send, sleep } from '../support/http_transport.mjs';

async function docState(base, id) {
  const res = await httpRequest(`${base}/v1/docs/${id}`);
  assert.equal(res.status, 200, res.body);
  return res.json;
}

// Replays a checker's delivered ops over its first snapshot: what the client would show.
function replay(checker, doc) {
  const ops = checker.ops.get(doc);
  let text = ops.snapshot ?? '';
  for (const m of ops) text = textType.apply(text, m.op);
  return text;
}

// Letters that gzip cannot squeeze much, so compressed streams grow too.
function randomLetters(n) {
  let text = '';
  for (let i = 0; i < n; i++) text += String.fromCharCode(97 + Math.floor(Math.random() * 26));
  return text;
}

// A POST-only writer that keeps one document growing: op 2k inserts a token and padding at the
// start, op 2k+1 deletes the padding again, each made against the version before it, so no
// transformation is needed and the text holds every token once. Resolves the confirmed ops.
class PaddedWriter {
  constructor(client, doc, padding = 400) {
    this.client = client;
    this.doc = doc;
    this.padding = padding;
    this.version = 0;
    this.seq = 1;
    this.count = 0;
    this.confirmed = [];  // {seq, v}
  }

  nextOps(n) {
    const ops = [];
    for (let i = 0; i < n; i++) {
      const k = this.count + i;
      const token = `<${this.client}.${k >> 1}>`;
      const op = k % 2 === 0 ? [token + randomLetters(this.padding)] : [[...token].length, { d: this.padding }];
      ops.push({ t: 'op', doc: this.doc, v: this.version + i, seq: this.seq + i, op });
    }
    return ops;
  }

  // Sends n ops in one POST; they are confirmed when the answer says so (durable).
  async post(base, n) {
    const ops = this.nextOps(n);
    const res = await send(base, this.client, ops);
    assert.equal(res.status, 200, res.body);
    res.json.results.forEach((result, i) => {
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.v, ops[i].v, 'the writer is alone: each op lands on its base');
      this.confirmed.push({ seq: ops[i].seq, v: result.v });
    });
    this.count += n;
    this.seq += n;
    this.version += n;
  }
}

describe('long-poll across server restarts', () => {
  for (const how of ['SIGTERM', 'SIGKILL']) {
    test(`a server restarted (${how}) between two polls loses nothing`, async () => {
      const dataDir = makeTempDir();
      const doc = `restart-${how}`;
      let server = await TandemServer.start({ dataDir, args: ['--poll-hold', '1s'] });
      let base = server.url;
      try {
        const reader = `reader-${how}`;
        const other = `other-${how}`;
        const checker = new StreamChecker();
        checker.start(doc, 0);
        const confirmed = [];  // {client, seq, v}: every op a POST answer confirmed
        let readerSeq = 1;

        // The reader polls like a client does: at once again after each answer, from the
        // versions it has reached, against whichever server is up (a new port after restart).
        let stopReading = false;
        let polls = 0;
        const pollLoop = (async () => {
          while (!stopReading) {
            try {
              const res = await poll(base, reader, [`${doc}@${checker.version(doc)}`]);
              if (res.status !== 200) { await sleep(50); continue; }
              polls += 1;
              for (const m of res.messages) checker.feed(m);
            } catch {
              await sleep(50);  // the server is going or gone; try again
            }
          }
        })();

        const write = async (client, text) => {
          const seq = client === reader ? readerSeq++ : confirmed.filter((c) => c.client === client).length + 1;
          const res = await send(base, client, [{ t: 'op', doc, v: 0, seq, op: [text] }]);
          assert.equal(res.status, 200, res.body);
          const [result] = res.json.results;
          assert.ok(result.ok, JSON.stringify(result));
          confirmed.push({ client, seq, v: result.v });
        };

        for (let round = 0; round < 3; round++) {
          // Ops by the reader itself and by another client, confirmed while the reader polls.
          for (let i = 0; i < 5; i++) {
            await write(reader, `[r${round}.${i}]`);
            await write(other, `[o${round}.${i}]`);
          }
          // And a few right before the restart, most likely not polled yet.
          await Promise.all([write(reader, `[r${round}.last]`), write(other, `[o${round}.last]`)]);
          if (how === 'SIGKILL') {
            server.signal('SIGKILL');
            await server.exited;
          } else {
            assert.equal((await server.stop()).code, 0, server.log);
          }
          server = await TandemServer.start({ dataDir, args: ['--poll-hold', '1s'] });
          base = server.url;
        }

        const state = await docState(base, doc);
        assert.equal(state.version, confirmed.length);
        const deadline = Date.now() + 15000 * slowFactor;
        while (checker.version(doc) !== state.version && Date.now() < deadline) await sleep(20);
        stopReading = true;
        await pollLoop;

        assert.deepEqual(checker.problems, []);
        assert.equal(checker.version(doc), state.version, `reader stopped at ${checker.version(doc)}`);
        const delivered = checker.authored(doc);
        for (const { client, seq, v } of confirmed) {
          const op = delivered.get(`${client}/${seq}`);
          assert.ok(op, `confirmed op ${client}/${seq} never delivered`);
          assert.equal(op.v, v, `${client}/${seq} delivered at another version than confirmed`);
        }
        assert.equal(delivered.size, confirmed.length);
        assert.equal(replay(checker, doc), state.text);
        assert.ok(polls >= 4, `only ${polls} polls answered`);
        await server.stop();
      } finally {
        if (server.child.exitCode === null) server.signal('SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }

  test('kill -9 while POSTs are in flight: every confirmed op is delivered after the restart', async () => {
    const dataDir = makeTempDir();
    let server = await TandemServer.start({ dataDir, args: ['--poll-hold', '1s'] });
    try {
      const doc = 'kill-during-posts';
      const writer = new PaddedWriter('w1', doc, 40);
      const unconfirmed = [];
      let stop = false;
      const writing = (async () => {
        while (!stop) {
          const ops = writer.nextOps(4);
          try {
            await writer.post(server.url, 4);
          } catch {
            unconfirmed.push(...ops);  // no answer: applied or not, the client cannot know
            break;
          }
        }
      })();
      await sleep(150 + Math.floor(Math.random() * 250));
      server.signal('SIGKILL');
      await server.exited;
      stop = true;
      await writing;
      server = await TandemServer.start({ dataDir, args: ['--poll-hold', '1s'] });

      // The unanswered POST is sent again unchanged: applied once, whatever happened before.
      if (unconfirmed.length > 0) {
        const res = await send(server.url, writer.client, unconfirmed);
        assert.equal(res.status, 200, res.body);
        res.json.results.forEach((r, i) => {
          assert.ok(r.ok, JSON.stringify(r));
          assert.equal(r.v, unconfirmed[i].v);
        });
      }
      const state = await docState(server.url, doc);
      assert.equal(state.version, writer.confirmed.length + unconfirmed.length);
      assert.ok(writer.confirmed.length >= 4, `only ${writer.confirmed.length} ops confirmed`);

      const checker = new StreamChecker();
      checker.start(doc, 0);
      while (checker.version(doc) < state.version) {
        const res = await poll(server.url, 'late-reader', [`${doc}@${checker.version(doc)}`]);
        assert.equal(res.status, 200, res.body);
        assert.ok(res.messages.length > 0 || checker.version(doc) === state.version, 'a poll behind the document came back empty');
        for (const m of res.messages) checker.feed(m);
      }
      assert.deepEqual(checker.problems, []);
      const delivered = checker.authored(doc);
      for (const { seq, v } of writer.confirmed) assert.equal(delivered.get(`w1/${seq}`)?.v, v, `w1/${seq}`);
      assert.equal(replay(checker, doc), state.text);
      await server.stop();
    } finally {
      if (server.child.exitCode === null) server.signal('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('SIGTERM answers a held poll at once (empty) and ends SSE streams cleanly', async () => {
    const server = await TandemServer.start({ args: ['--poll-hold', '30s'] });
    const held = poll(server.url, 'drained', ['drain@0']);
    const sse = await SseConnection.open(server.url, 'drained-sse', ['drain@0'], { headers: { 'Accept-Encoding': 'gzip' } });
    await sse.waitFor((s) => s.messages.length > 0, 5000, 'the welcome');
    await sleep(200);
    const started = Date.now();
    server.signal('SIGTERM');
    const answer = await held;
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.messages, []);
    assert.equal(answer.headers.connection, 'close');
    await sse.waitEnded(10000 * slowFactor);
    assert.equal(sse.error, null, 'the gzip stream was cut, not ended');
    assert.equal((await server.exited).code, 0);
    assert.ok(Date.now() - started < 5000 * slowFactor, `drain took ${Date.now() - started} ms`);
    await server.stop();
  });

  test('a poll batch stops at poll-max-bytes and says more is waiting', async () => {
    const server = await TandemServer.start({ args: ['--poll-max-bytes', '4KiB'] });
    try {
      const writer = new PaddedWriter('big-writer', 'more', 1000);
      await writer.post(server.url, 20);
      const checker = new StreamChecker();
      checker.start('more', 0);
      let answers = 0;
      let more = true;
      while (more) {
        const res = await poll(server.url, 'more-reader', [`more@${checker.version('more')}`]);
        assert.equal(res.status, 200);
        const bytes = res.messages.reduce((sum, m) => sum + JSON.stringify(m).length, 0);
        assert.ok(res.messages.length === 1 || bytes <= 4096, `${bytes} bytes in one answer`);
        for (const m of res.messages) checker.feed(m);
        more = res.more;
        answers += 1;
        assert.equal(more, checker.version('more') < 20, `more=${more} at v${checker.version('more')}`);
      }
      assert.ok(answers >= 4, `${answers} answers`);
      assert.deepEqual(checker.problems, []);
      assert.equal(checker.version('more'), 20);
    } finally {
      await server.stop();
    }
  });
});

// Reads an SSE downlink for `docs` until it reaches `target` versions, reopening with
// Last-Event-ID whenever the stream ends or `cutAfter(events)` says to cut it. Returns the checker
// and how many streams it took.
async function readSse(base, client, docs, { target, cutAfter = () => false, headers = {}, timeoutMs = 30000 * slowFactor }) {
  const checker = new StreamChecker();
  for (const doc of docs) checker.start(doc, 0);
  let lastEventId = null;
  let streams = 0;
  let cuts = 0;
  const ends = [];
  const deadline = Date.now() + timeoutMs;
  const done = () => docs.every((d) => checker.version(d) === target(d));
  while (!done()) {
    assert.ok(Date.now() < deadline, `SSE reader stuck at ${docs.map((d) => `${d}@${checker.version(d)}`)}`);
    // Like a browser: the same URL every time (from version 0), Last-Event-ID says the rest.
    const sse = await SseConnection.open(base, client, docs.map((d) => `${d}@0`), { headers, lastEventId });
    assert.equal(sse.status, 200);
    streams += 1;
    let fed = 0;
    let cut = false;
    const feedNew = () => {
      for (; fed < sse.events.length; fed++) {
        const event = sse.events[fed];
        if (event.data) checker.feed(event.data);
        if (event.id) lastEventId = event.id;
      }
    };
    await sse.waitFor(() => {
      feedNew();
      if (!cut && cutAfter(sse, checker)) cut = true;
      return cut || sse.ended || done();
    }, timeoutMs, 'progress').catch((error) => { if (!sse.ended) throw error; });
    feedNew();
    if (cut) {
      cuts += 1;
      sse.destroy();
    } else if (!sse.ended) {
      sse.destroy();
    } else {
      ends.push({ error: sse.error, rest: sse.text });
    }
  }
  return { checker, streams, cuts, ends };
}

describe('SSE resumption', () => {
  for (const threads of [1, 2]) {
    test(`a stream cut mid-stream resumes from Last-Event-ID with no gap and no duplicate (${threads} loop${threads > 1 ? 's' : ''})`, async () => {
      const server = await TandemServer.start({ args: ['--threads', String(threads)] });
      try {
        const docs = [`cut-a-${threads}`, `cut-b-${threads}`];
        const writers = docs.map((doc, i) => new PaddedWriter(`cutter${i}`, doc, 600));
        const perWriter = 240;
        // The writers keep posting while the reader cuts its stream again and again.
        const writing = (async () => {
          while (writers.some((w) => w.count < perWriter)) {
            await Promise.all(writers.map((w) => (w.count < perWriter ? w.post(server.url, 6) : null)));
            await sleep(5);
          }
        })();
        let nextCut = 15;
        let cutWhileWriting = 0;
        const result = await readSse(server.url, `sse-reader-${threads}`, docs, {
          target: () => perWriter,
          cutAfter: (sse) => {
            if (sse.messages.length < nextCut) return false;
            nextCut = 10 + Math.floor(Math.random() * 30);
            if (writers.some((w) => w.count < perWriter)) cutWhileWriting += 1;
            return true;
          },
        });
        await writing;
        assert.deepEqual(result.checker.problems, []);
        assert.ok(cutWhileWriting >= 3, `only ${cutWhileWriting} cuts while ops were flowing`);
        for (const [i, doc] of docs.entries()) {
          const state = await docState(server.url, doc);
          assert.equal(replay(result.checker, doc), state.text);
          const delivered = result.checker.authored(doc);
          assert.equal(delivered.size, perWriter);
          for (const { seq, v } of writers[i].confirmed) assert.equal(delivered.get(`cutter${i}/${seq}`)?.v, v);
        }
        assert.deepEqual(result.checker.problems, []);
      } finally {
        await server.stop();
      }
    });
  }

  test('a reconnect that arrives before the old stream is noticed gone still gets every op', async () => {
    // One loop: the new stream takes over the cached downlink the old one still listens to.
    const server = await TandemServer.start({ args: ['--threads', '1'] });
    try {
      const writer = new PaddedWriter('early-writer', 'early', 10);
      await writer.post(server.url, 4);
      const first = await SseConnection.open(server.url, 'early-reader', ['early@0']);
      await first.waitFor((s) => s.lastEventId === 'early@4', 5000, 'catch-up');
      // Reconnect first (its Last-Event-ID is exactly where the old stream is), then drop the old.
      const second = await SseConnection.open(server.url, 'early-reader', ['early@0'], { lastEventId: first.lastEventId });
      await second.waitFor((s) => s.messages.some((m) => m.t === 'welcome'), 5000, 'welcome');
      first.destroy();
      await sleep(200);
      await writer.post(server.url, 4);
      await second.waitFor((s) => s.lastEventId === 'early@8', 5000 * slowFactor, 'the ops posted after the reconnect');
      assert.deepEqual(second.messages.filter((m) => m.t === 'op').map((m) => m.v), [4, 5, 6, 7]);
      second.destroy();
    } finally {
      await server.stop();
    }
  });

  test('a stream replaced by a newer request of the same client ends within a heartbeat', async () => {
    const server = await TandemServer.start({ args: ['--sse-heartbeat', '200ms'] });
    try {
      const older = await SseConnection.open(server.url, 'replaced', ['replaced@0']);
      await older.waitFor((s) => s.messages.length > 0, 5000, 'the welcome');
      // Other documents: the downlink cannot continue, a new one replaces it.
      const newer = await SseConnection.open(server.url, 'replaced', ['replaced@0', 'other@0']);
      await newer.waitFor((s) => s.messages.length > 0, 5000, 'the welcome');
      await older.waitEnded(10000 * slowFactor);
      assert.equal(older.text, '');
      await send(server.url, 'writer', [{ t: 'op', doc: 'replaced', v: 0, seq: 1, op: ['x'] }]);
      await newer.waitFor((s) => s.lastEventId === 'other@0,replaced@1', 5000, 'the op');
      assert.ok(!newer.ended);
      newer.destroy();
    } finally {
      await server.stop();
    }
  });

  for (const gzip of [false, true]) {
    test(`the lifetime and byte caps end streams, and reopening is lossless${gzip ? ' (gzip)' : ''}`, async () => {
      const server = await TandemServer.start({ args: ['--sse-max-bytes', '8KiB', '--sse-max-lifetime', '1500ms'] });
      try {
        const doc = `capped${gzip ? '-gz' : ''}`;
        const writer = new PaddedWriter(`capper${gzip ? 'gz' : ''}`, doc, 700);
        const total = 160;
        const writing = (async () => {
          while (writer.count < total) {
            await writer.post(server.url, 4);
            // Slow enough that both caps get their turn.
            await sleep(writer.count < total / 2 ? 5 : 40);
          }
        })();
        const headers = gzip ? { 'Accept-Encoding': 'gzip' } : {};
        const result = await readSse(server.url, `capped-reader${gzip ? '-gz' : ''}`, [doc], { target: () => total, headers });
        await writing;
        assert.deepEqual(result.checker.problems, []);
        assert.ok(result.ends.length >= 3, `only ${result.ends.length} streams ended by the server`);
        for (const end of result.ends) {
          // The server ends a stream cleanly: a complete gzip member, no half event.
          assert.equal(end.error, null, `stream ended badly: ${end.error?.message}`);
          assert.equal(end.rest, '', 'a stream ended in the middle of an event');
        }
        const state = await docState(server.url, doc);
        assert.equal(replay(result.checker, doc), state.text);
        assert.equal(result.checker.authored(doc).size, total);
      } finally {
        await server.stop();
      }
    });
  }

  test('a stream ends after sse-max-bytes even while busy, and after sse-max-lifetime while idle', async () => {
    const server = await TandemServer.start({ args: ['--sse-max-bytes', '16KiB', '--sse-max-lifetime', '800ms', '--sse-heartbeat', '100ms'] });
    try {
      const idle = await SseConnection.open(server.url, 'idle-reader', ['idle']);
      const started = Date.now();
      await idle.waitEnded(10000 * slowFactor);
      const lifetime = Date.now() - started;
      assert.ok(lifetime >= 700 && lifetime < 5000 * slowFactor, `idle stream lasted ${lifetime} ms`);
      assert.ok(idle.comments >= 4, `${idle.comments} heartbeats`);
      assert.equal(idle.events[0].retry, 1000);

      const writer = new PaddedWriter('bytes-writer', 'busy', 2000);
      const busy = await SseConnection.open(server.url, 'busy-reader', ['busy@0']);
      await writer.post(server.url, 30);
      await busy.waitEnded(10000 * slowFactor);
      assert.ok(busy.rawBytes >= 16 * 1024 && busy.rawBytes < 64 * 1024, `${busy.rawBytes} bytes in a 16 KiB stream`);
      assert.ok(busy.messages.filter((m) => m.t === 'op').length < 30, 'the stream was not cut by the byte cap');
    } finally {
      await server.stop();
    }
  });
});
