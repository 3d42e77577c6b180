// The OT client state machine (docs/protocol.md §6-§8), driven message by message, and a
// randomized convergence run of several clients through the in-memory server.
import nodeTest from 'node:test';
import assert from 'node:assert/strict';

// A broken client tends to wait forever; fail instead.
const test = (name, fn) => nodeTest(name, { timeout: 20000 }, fn);
import otText from 'ot-text-unicode';
import { FakeServer, loadClient } from './fake_network.mjs';

const { TandemDocument } = await loadClient();
const { type } = otText;

function harness(clientId = 'me', restored) {
  const sent = [];
  const persisted = [];
  const link = { clientId, send: (m) => { sent.push(m); return true; }, persist: (r) => persisted.push(r), identity: () => ({ name: 'Me', color: '#112233' }), close: () => {} };
  const doc = new TandemDocument('d', link, restored);
  doc.onConnected(false);
  return { doc, sent, link, persisted };
}

test('subscribes from a snapshot, then keeps one op in flight and composes the rest', () => {
  const { doc, sent } = harness();
  assert.deepEqual(sent.shift(), { t: 'sub', doc: 'd' });
  doc.onMessage({ t: 'snapshot', doc: 'd', v: 3, text: 'abc' });
  doc.submit([3, 'd']);
  doc.submit([4, 'e']);
  doc.submit([{ d: 1 }]);
  assert.equal(doc.text, 'bcde');
  assert.deepEqual(sent, [{ t: 'op', doc: 'd', v: 3, seq: 1, op: [3, 'd'] }]);
  doc.onMessage({ t: 'ack', doc: 'd', v: 3, seq: 1 });
  assert.equal(doc.version, 4);
  assert.deepEqual(sent[1], { t: 'op', doc: 'd', v: 4, seq: 2, op: type.compose([4, 'e'], [{ d: 1 }]) });
  assert.equal(doc.saved, false);
  doc.onMessage({ t: 'op', doc: 'd', v: 4, op: [{ d: 1 }, 4, 'e'], client: 'me', seq: 2 });
  assert.equal(doc.saved, true);
  assert.equal(doc.version, 5);
});

test('remote ops are transformed over the op in flight and the buffer', () => {
  const { doc, sent } = harness();
  doc.onMessage({ t: 'snapshot', doc: 'd', v: 0, text: 'Hello' });
  doc.submit([5, ' world']);
  doc.submit([11, '?']);
  const changes = [];
  doc.on('change', (e) => changes.push(e));
  doc.onMessage({ t: 'op', doc: 'd', v: 0, op: [5, '!'], client: 'ada', seq: 7 });
  assert.equal(doc.text, 'Hello world?!');
  assert.deepEqual(changes[0].op, [12, '!']);
  doc.onMessage({ t: 'ack', doc: 'd', v: 1, seq: 1 });
  assert.deepEqual(sent.at(-1), { t: 'op', doc: 'd', v: 2, seq: 2, op: [11, '?'] });
});

test('duplicates are ignored, a gap resubscribes, a stale ack is ignored', () => {
  const { doc, sent } = harness();
  doc.onMessage({ t: 'snapshot', doc: 'd', v: 2, text: 'ab' });
  doc.onMessage({ t: 'op', doc: 'd', v: 1, op: ['zz'], client: 'x', seq: 1 });
  assert.equal(doc.text, 'ab');
  doc.onMessage({ t: 'op', doc: 'd', v: 5, op: ['zz'], client: 'x', seq: 2 });
  assert.deepEqual(sent.at(-1), { t: 'sub', doc: 'd', v: 2 });
  assert.equal(doc.text, 'ab');
  doc.submit(['c']);
  doc.onMessage({ t: 'ack', doc: 'd', v: 0, seq: 99 });
  assert.equal(doc.saved, false);
});

test('resync: a snapshot while ops are pending re-applies them as one fresh op', () => {
  const { doc, sent } = harness();
  doc.onMessage({ t: 'snapshot', doc: 'd', v: 10, text: 'one two' });
  doc.submit([7, ' three']);
  doc.submit([0, '>']);
  doc.onMessage({ t: 'error', code: 'resync_required', message: 'old', doc: 'd', seq: 1 });
  assert.deepEqual(sent.at(-1), { t: 'sub', doc: 'd' });
  // Someone else changed the start meanwhile.
  doc.onMessage({ t: 'snapshot', doc: 'd', v: 50, text: 'ONE two' });
  assert.equal(doc.text, '>ONE two three');
  const op = sent.at(-1);
  assert.equal(op.t, 'op');
  assert.equal(op.v, 50);
  assert.equal(op.seq, 2, 'a fresh seq, never the refused one');
  assert.equal(type.apply('ONE two', op.op), '>ONE two three');
});

test('an op refused as retryable is resent with the same seq', async () => {
  const { doc, sent } = harness();
  doc.onMessage({ t: 'snapshot', doc: 'd', v: 0, text: '' });
  doc.submit(['x']);
  doc.onMessage({ t: 'error', code: 'internal', message: 'disk', doc: 'd', seq: 1 });
  await new Promise((r) => setTimeout(r, 1100));
  assert.deepEqual(sent.filter((m) => m.t === 'op').map((m) => m.seq), [1, 1]);
  doc.close();
});

test('rate_limited: the op stays in flight and goes again, same seq, after retry_ms', async () => {
  const { doc, sent, persisted } = harness();
  doc.onMessage({ t: 'snapshot', doc: 'd', v: 0, text: '' });
  doc.submit(['x']);
  doc.onMessage({ t: 'error', code: 'rate_limited', message: 'slow down', doc: 'd', seq: 1, retry_ms: 400 });
  doc.submit([1, 'y']);  // typed meanwhile: buffered, not sent early
  await new Promise((r) => setTimeout(r, 150));
  assert.deepEqual(sent.filter((m) => m.t === 'op').map((m) => m.seq), [1]);
  assert.equal(doc.saved, false);
  assert.equal(doc.text, 'xy');
  // Not lost: the outbox still holds it.
  assert.ok(JSON.stringify(persisted.at(-1)).includes('x'));
  await new Promise((r) => setTimeout(r, 600));
  const ops = sent.filter((m) => m.t === 'op');
  assert.deepEqual(ops.map((m) => m.seq), [1, 1]);
  assert.deepEqual(ops[1].op, ['x']);
  doc.onMessage({ t: 'ack', doc: 'd', v: 0, seq: 1 });
  assert.deepEqual(sent.at(-1), { t: 'op', doc: 'd', v: 1, seq: 2, op: [1, 'y'] });
  doc.close();
});

test('overloaded with a short retry_ms is resent sooner than the default second', async () => {
  const { doc, sent } = harness();
  doc.onMessage({ t: 'snapshot', doc: 'd', v: 0, text: '' });
  doc.submit(['x']);
  doc.onMessage({ t: 'error', code: 'overloaded', message: 'queue full', doc: 'd', seq: 1, retry_ms: 50 });
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(sent.filter((m) => m.t === 'op').map((m) => m.seq), [1, 1]);
  doc.close();
});

test('too_many_new_docs on a subscription subscribes again after retry_ms', async () => {
  const { doc, sent } = harness();
  assert.deepEqual(sent.shift(), { t: 'sub', doc: 'd' });
  doc.onMessage({ t: 'error', code: 'too_many_new_docs', message: 'later', doc: 'd', retry_ms: 100 });
  assert.equal(sent.length, 0);
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(sent, [{ t: 'sub', doc: 'd' }]);
  doc.close();
});

test('read_only keeps the text and stops editing', () => {
  const { doc } = harness();
  doc.onMessage({ t: 'snapshot', doc: 'd', v: 0, text: '' });
  doc.submit(['mine']);
  const errors = [];
  doc.on('error', (e) => errors.push(e));
  doc.onMessage({ t: 'error', code: 'read_only', message: 'no', doc: 'd', seq: 1 });
  assert.equal(errors[0].pendingText, 'mine');
  assert.throws(() => doc.submit(['more']));
});

test('presence: sent once synced, remote selections follow ops and pending edits, gone removes', async () => {
  const { doc, sent } = harness();
  doc.onMessage({ t: 'snapshot', doc: 'd', v: 0, text: 'abcdef' });
  doc.onMessage({ t: 'presence', doc: 'd', client: 'ada', v: 0, sel: [[2, 4]], name: 'Ada', color: '#e91e63' });
  assert.deepEqual(doc.peers(), [{ client: 'ada', name: 'Ada', color: '#e91e63', sel: [[2, 4]] }]);
  doc.submit(['XY']);  // pending: shows shifted
  assert.deepEqual(doc.peers()[0].sel, [[4, 6]]);
  doc.onMessage({ t: 'op', doc: 'd', v: 0, op: [1, { d: 1 }], client: 'bob', seq: 1 });
  assert.deepEqual(doc.peers()[0].sel, [[3, 5]]);
  doc.setSelection([[1, 1]]);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(sent.filter((m) => m.t === 'presence').length, 0, 'not while unconfirmed');
  doc.onMessage({ t: 'ack', doc: 'd', v: 1, seq: 1 });
  await new Promise((r) => setTimeout(r, 80));
  const presence = sent.filter((m) => m.t === 'presence');
  assert.deepEqual(presence, [{ t: 'presence', doc: 'd', v: 2, sel: [[1, 1]], name: 'Me', color: '#112233' }]);
  doc.onMessage({ t: 'presence', doc: 'd', client: 'ada', gone: true });
  assert.deepEqual(doc.peers(), []);
});

test('a restored outbox record resends the op in flight under its seq, then the buffer under a new one', () => {
  const restored = { clientId: 'me', doc: 'd', version: 4, confirmedText: 'abcd', inflight: { seq: 6, op: [4, 'e'], base: 4 }, buffer: [5, 'f'], nextSeq: 7, updatedAt: 0 };
  const { doc, sent, persisted } = harness('me', restored);
  assert.equal(doc.text, 'abcdef');
  assert.deepEqual(sent, [{ t: 'sub', doc: 'd', v: 4 }, { t: 'op', doc: 'd', v: 4, seq: 6, op: [4, 'e'] }]);
  // The catch-up shows it was applied before the page went away: confirmed, not applied again.
  doc.onMessage({ t: 'op', doc: 'd', v: 4, op: [4, 'e'], client: 'me', seq: 6 });
  assert.deepEqual(sent.at(-1), { t: 'op', doc: 'd', v: 5, seq: 7, op: [5, 'f'] });
  doc.onMessage({ t: 'ack', doc: 'd', v: 5, seq: 7 });
  // The outbox learns that nothing is left to resend (and keeps the next seq).
  const last = persisted.at(-1);
  assert.equal(last.inflight, null);
  assert.equal(last.buffer, null);
  assert.equal(last.nextSeq, 8);
  assert.equal(last.version, 6);
  assert.equal(last.confirmedText, 'abcdef');
  // Remote ops on a saved document cost no outbox write.
  const writes = persisted.length;
  doc.onMessage({ t: 'op', doc: 'd', v: 6, op: ['>'], client: 'x', seq: 1 });
  assert.equal(persisted.length, writes);
});

test('random concurrent editing by four clients converges (emoji and CJK included)', async () => {
  const server = new FakeServer();
  const alphabet = ['a', 'b', ' ', '中', '文', '😀', '👍🏽', '\n'];
  let seed = 42;
  const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  // Each client's messages travel through its own FIFO queue, delivered in random order across clients.
  const clients = [];
  for (let i = 0; i < 4; i++) {
    const inbox = [];
    const outbox = [];
    const id = `c${i}`;
    const link = { clientId: id, send: (m) => { outbox.push(m); return true; }, persist: () => {}, identity: () => ({}), close: () => {} };
    const doc = new TandemDocument('shared', link, undefined);
    const conn = { client: id, subs: new Set(), deliverOp(d, v, op, client, seq) { if (this.subs.has(d)) inbox.push(client === id ? { t: 'ack', doc: d, v, seq } : { t: 'op', doc: d, v, op, client, seq }); }, deliverPresence() {} };
    server.connections.add(conn);
    doc.onConnected(false);
    clients.push({ id, doc, inbox, outbox, conn });
  }
  const pump = (c) => {
    for (const m of c.outbox.splice(0)) {
      if (m.t === 'sub') {
        c.conn.subs.add(m.doc);
        const d = server.doc(m.doc);
        c.inbox.push({ t: 'snapshot', doc: m.doc, v: d.log.length, text: d.text });
      } else if (m.t === 'op') server.submit(c.id, m);
    }
  };
  clients.forEach(pump);
  for (const c of clients) while (c.inbox.length) c.doc.onMessage(c.inbox.shift());
  for (let step = 0; step < 3000; step++) {
    const c = clients[Math.floor(random() * clients.length)];
    const r = random();
    if (r < 0.4) {
      const cps = [...c.doc.text];
      const at = Math.floor(random() * (cps.length + 1));
      const op = [];
      if (at > 0) op.push(at);
      if (cps.length > at && random() < 0.3) op.push({ d: 1 });
      else op.push(alphabet[Math.floor(random() * alphabet.length)]);
      c.doc.submit(op);
    } else if (r < 0.7) {
      pump(c);
    } else if (c.inbox.length) {
      c.doc.onMessage(c.inbox.shift());
    }
  }
  for (let round = 0; round < 100; round++) {
    for (const c of clients) { pump(c); while (c.inbox.length) c.doc.onMessage(c.inbox.shift()); }
  }
  const text = server.doc('shared').text;
  assert.ok(text.length > 100);
  for (const c of clients) {
    assert.equal(c.doc.saved, true);
    assert.equal(c.doc.text, text, `${c.id} diverged`);
  }
});

test('a restored op confirmed by the catch-up clears the outbox record', () => {
  const restored = { clientId: 'me', doc: 'd', version: 2, confirmedText: 'ab', inflight: { seq: 3, op: [2, 'c'], base: 2 }, buffer: null, nextSeq: 4, updatedAt: 0 };
  const { doc, persisted } = harness('me', restored);
  doc.onMessage({ t: 'op', doc: 'd', v: 2, op: [2, 'c'], client: 'me', seq: 3 });
  assert.equal(doc.saved, true);
  assert.equal(persisted.length, 1);
  assert.equal(persisted[0].inflight, null);
  assert.equal(persisted[0].nextSeq, 4);
});
