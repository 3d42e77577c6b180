// Cross-checks `tandem ot-eval` against the npm package ot-text-unicode (the reference
// implementation of the op format) on seeded random cases: apply, transform on both sides,
// compose, transformPosition, transformSelection and diff, over documents with ASCII,
// combining marks, CJK, emoji and other astral characters; plus invalid inputs, which ours
// must refuse wherever the reference throws.
//
// One long-running child process answers every case; lines are streamed in batches.
// Env: TANDEM_BIN (default build/release/tandem), OT_CROSSCHECK_CASES (default 100000),
// OT_CROSSCHECK_SEED (default 20240601).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import otText from 'ot-text-unicode';

const { type } = otText;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tandemBin = process.env.TANDEM_BIN ?? path.join(repoRoot, 'build/release/tandem');
const validCases = Number(process.env.OT_CROSSCHECK_CASES ?? 100000);
const seed = Number(process.env.OT_CROSSCHECK_SEED ?? 20240601);
const batchLines = 2000;

// ---------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32) and generators.

function makeRandom(s) {
  let state = s >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n), // [0, n)
    range: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // [lo, hi]
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
  };
}

// Every UTF-8 length and both UTF-16 forms; JSON-special characters too.
const alphabet = [
  'a', 'b', 'c', 'x', ' ', '\n', '\t', '"', '\\', '/', '\u0000', '\u001f',
  'e', '\u0301', '\u0308', 'é', 'ñ', 'Ω', 'ж', '\u2028', '\uffff',
  '中', '文', '한', 'あ',
  '😀', '🏽', '\u200d', '👩', '🎉', '𐍈', '\u{1d11e}', '\u{10ffff}',
];

// A string of n code points, returned as an array of code points (single-char strings).
function randomCodePoints(rng, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(rng.pick(alphabet));
  return out;
}

const cpLength = (s) => [...s].length;

// Two deletes as one, the way the reference merges them: texts concatenate, else lengths add.
const mergeDeletes = (a, b) =>
  typeof a === 'string' && typeof b === 'string' ? a + b : (typeof a === 'string' ? cpLength(a) : a) + (typeof b === 'string' ? cpLength(b) : b);

// A valid op (as ot-text-unicode's checkOp accepts it) over the document `doc` (an array of
// code points). Adjacent inserts and deletes are sometimes left unmerged, because the
// reference treats the pieces separately in transform; deletes are sometimes {d: "text"}.
function randomOp(rng, doc) {
  const op = [];
  let pos = 0;
  const steps = doc.length > 24 ? rng.range(0, 40) : rng.range(0, 6);
  for (let i = 0; i < steps; i++) {
    const last = op.length > 0 ? op[op.length - 1] : undefined;
    const left = doc.length - pos;
    const r = rng.next();
    if (r < 0.35 && left > 0 && typeof last !== 'number') {
      const n = rng.range(1, Math.min(left, 8));
      op.push(n);
      pos += n;
    } else if (r < 0.7 || left === 0) {
      const text = randomCodePoints(rng, rng.range(1, 4)).join('');
      if (typeof last === 'string' && rng.chance(0.6)) op[op.length - 1] = last + text;
      else op.push(text);
    } else {
      const n = rng.range(1, Math.min(left, 6));
      const d = rng.chance(0.3) ? doc.slice(pos, pos + n).join('') : n;
      if (typeof last === 'object' && rng.chance(0.6)) op[op.length - 1] = { d: mergeDeletes(last.d, d) };
      else op.push({ d });
      pos += n;
    }
  }
  if (op.length > 0 && typeof op[op.length - 1] === 'number') op.pop();
  return op;
}

// {d: "text"} carries only invertibility data, which ours drops: compare lengths.
function stripInvertible(op) {
  return op.map((c) => (typeof c === 'object' && typeof c.d === 'string' ? { d: cpLength(c.d) } : c));
}

// ---------------------------------------------------------------------------------------
// Cases. Each has a request line and a check(answer) returning an error string or null.

function validCase(request, expected) {
  return { line: JSON.stringify(request), request, expected, kind: 'valid' };
}

function generateValidCases(rng, count) {
  const cases = [];
  while (cases.length < count) {
    // Mostly short documents, where ties and edges are dense; some long ones with long ops.
    const doc = randomCodePoints(rng, rng.chance(0.1) ? rng.range(25, 300) : rng.range(0, 24));
    const docText = doc.join('');
    const r = rng.next();
    if (r < 0.28) {
      const op = randomOp(rng, doc);
      cases.push(validCase({ fn: 'apply', doc: docText, op }, type.apply(docText, op)));
    } else if (r < 0.63) {
      // Both sides of one concurrent pair; sometimes ops made against unrelated documents.
      const a = randomOp(rng, doc);
      const b = rng.chance(0.1) ? randomOp(rng, randomCodePoints(rng, rng.range(0, 24))) : randomOp(rng, doc);
      for (const side of ['left', 'right']) {
        cases.push(validCase({ fn: 'transform', op: a, other: b, side },
          stripInvertible(type.transform(a, b, side))));
      }
    } else if (r < 0.85) {
      const a = randomOp(rng, doc);
      const middle = [...type.apply(docText, a)];
      const b = rng.chance(0.1) ? randomOp(rng, randomCodePoints(rng, rng.range(0, 24))) : randomOp(rng, middle);
      cases.push(validCase({ fn: 'compose', a, b }, stripInvertible(type.compose(a, b))));
    } else if (r < 0.95) {
      const op = randomOp(rng, doc);
      const pos = rng.range(0, doc.length + 2);
      cases.push(validCase({ fn: 'transformPosition', pos, op }, type.transformPosition(pos, op)));
    } else if (r < 0.98) {
      const op = randomOp(rng, doc);
      const sel = [rng.range(0, doc.length), rng.range(0, doc.length)];
      cases.push(validCase({ fn: 'transformSelection', sel, op }, type.transformSelection(sel, op)));
    } else {
      // diff has no reference counterpart: the reference must accept our op and apply it.
      const to = randomCodePoints(rng, rng.range(0, 24));
      if (rng.chance(0.7)) to.splice(0, Math.min(to.length, doc.length), ...doc.slice(0, rng.int(doc.length + 1)));
      const toText = to.join('');
      cases.push({
        line: JSON.stringify({ fn: 'diff', from: docText, to: toText }),
        kind: 'valid',
        check: (answer) => {
          if (!answer.ok) return `refused: ${JSON.stringify(answer.error)}`;
          const op = answer.result;
          type.checkOp(op);
          const got = type.apply(docText, op);
          return got === toText ? null : `applying it gives ${JSON.stringify(got)}`;
        },
      });
    }
  }
  return cases.slice(0, count);
}

// Invalid input. `stricter` marks what ours refuses on purpose though the reference lets it
// through (documented in docs/ot.md); otherwise ours must refuse exactly when the reference
// throws, and agree with it when it does not.
function generateInvalidCases(rng) {
  const cases = [];
  const badComponents = [
    { c: 0, stricter: false }, { c: -3, stricter: false }, { c: '', stricter: false },
    { c: { d: 0 }, stricter: false }, { c: { d: '' }, stricter: false }, { c: { d: -1 }, stricter: false },
    { c: null, stricter: false }, { c: {}, stricter: false }, { c: { x: 1 }, stricter: false },
    { c: [1], stricter: false }, { c: { d: null }, stricter: false }, { c: { d: [2] }, stricter: false },
    { c: true, stricter: true }, { c: false, stricter: true }, { c: 1.5, stricter: true },
    { c: { d: 2.5 }, stricter: true }, { c: { d: 1, extra: 2 }, stricter: true },
    { c: '\ud800', stricter: true }, { c: 'a\udc00', stricter: true }, { c: { d: '\ud83d' }, stricter: true },
  ];
  const badOps = [
    { op: [3], stricter: false }, { op: ['x', 2], stricter: false }, { op: [1, 2, 'x'], stricter: false },
    { op: 5, stricter: false }, { op: 'abc', stricter: false }, { op: { d: 1 }, stricter: false },
    { op: null, stricter: false },
  ];
  const request = (fn, op, other, docText) => {
    switch (fn) {
      case 'apply': return { fn, doc: docText, op };
      case 'transform': return { fn, op, other, side: rng.pick(['left', 'right']) };
      case 'compose': return { fn, a: op, b: other };
      default: return { fn, pos: rng.range(0, 5), op };
    }
  };
  const reference = (req) => {
    switch (req.fn) {
      case 'apply': return type.apply(req.doc, req.op);
      case 'transform': return stripInvertible(type.transform(req.op, req.other, req.side));
      case 'compose': return stripInvertible(type.compose(req.a, req.b));
      default: return type.transformPosition(req.pos, req.op);
    }
  };
  for (let i = 0; i < 4000; i++) {
    const doc = randomCodePoints(rng, rng.range(0, 10));
    const docText = doc.join('');
    const fn = rng.pick(['apply', 'transform', 'compose', 'transformPosition']);
    let op = randomOp(rng, doc);
    let stricter = false;
    if (rng.chance(0.8)) {
      const bad = rng.pick(badComponents);
      op = [...op];
      op.splice(rng.int(op.length + 1), 0, bad.c);
      stricter = bad.stricter;
    } else {
      const bad = rng.pick(badOps);
      op = bad.op;
      stricter = bad.stricter;
    }
    // The reference's transformPosition never checks its op; ours checks ops everywhere.
    if (fn === 'transformPosition') stricter = true;
    const other = randomOp(rng, doc);
    const badFirst = fn === 'apply' || fn === 'transformPosition' || rng.chance(0.5);
    const req = badFirst ? request(fn, op, other, docText) : request(fn, other, op, docText);
    let refThrows = false;
    let expected;
    try {
      expected = reference(req);
    } catch {
      refThrows = true;
    }
    cases.push({ line: JSON.stringify(req), request: req, kind: 'invalid', stricter, refThrows, expected });
  }
  // Ops that reach past the end of the document.
  for (let i = 0; i < 1000; i++) {
    const doc = randomCodePoints(rng, rng.range(0, 8));
    const docText = doc.join('');
    const skipPast = rng.chance(0.5);
    const op = skipPast ? [doc.length + rng.range(1, 3), 'x'] : [...(doc.length > 0 ? [rng.range(1, doc.length)] : []), { d: rng.range(1, 3) + doc.length }];
    const req = { fn: 'apply', doc: docText, op };
    let refThrows = false;
    let expected;
    try {
      expected = type.apply(docText, op);
    } catch {
      refThrows = true;
    }
    // The reference silently truncates deletes past the end; ours refuses them.
    cases.push({ line: JSON.stringify(req), request: req, kind: 'invalid', stricter: !skipPast, refThrows, expected, code: 'op_past_end' });
  }
  // Requests the reference has no opinion on: ours must refuse them with the right code.
  const refused = (line, code) => ({ line, kind: 'refused', code });
  cases.push(refused('not json', 'invalid_json'));
  cases.push(refused('{"fn":"apply","doc":"ab","op":[1,', 'invalid_json'));
  cases.push(refused('', 'invalid_json'));
  cases.push(refused('[1,2]', 'bad_request'));
  cases.push(refused('{"op":[]}', 'bad_request'));
  cases.push(refused('{"fn":"nope"}', 'unknown_fn'));
  cases.push(refused('{"fn":"apply","op":[]}', 'bad_request'));
  cases.push(refused('{"fn":"apply","doc":5,"op":[]}', 'bad_request'));
  cases.push(refused('{"fn":"transform","op":[],"other":[],"side":"middle"}', 'bad_side'));
  cases.push(refused('{"fn":"transformPosition","pos":-1,"op":[]}', 'bad_number'));
  cases.push(refused('{"fn":"transformPosition","pos":1.5,"op":[]}', 'bad_number'));
  cases.push(refused('{"fn":"apply","doc":"\\ud800","op":[]}', 'lone_surrogate'));
  const raw = (prefix, bytes, suffix) => Buffer.concat([Buffer.from(prefix), Buffer.from(bytes), Buffer.from(suffix)]);
  for (const bytes of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xe4, 0xb8], [0x80]]) {
    cases.push({ line: raw('{"fn":"apply","doc":"a', bytes, 'b","op":[]}'), kind: 'refused', code: 'invalid_utf8' });
    cases.push({ line: raw('{"fn":"apply","doc":"ab","op":["', bytes, '"]}'), kind: 'refused', code: 'invalid_utf8' });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------
// Running one ot-eval process over all lines.

async function evaluate(lines) {
  const child = spawn(tandemBin, ['ot-eval'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answers = [];
  const reader = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
  reader.on('line', (line) => answers.push(line));
  const closed = once(reader, 'close');
  const exited = once(child, 'exit');
  for (let i = 0; i < lines.length; i += batchLines) {
    const batch = [];
    for (const line of lines.slice(i, i + batchLines)) {
      batch.push(typeof line === 'string' ? Buffer.from(line) : line, Buffer.from('\n'));
    }
    if (!child.stdin.write(Buffer.concat(batch))) await once(child.stdin, 'drain');
  }
  child.stdin.end();
  await closed;
  const [code] = await exited;
  return { answers, code };
}

function describeCase(c, answer) {
  const line = typeof c.line === 'string' ? c.line : c.line.toString('hex');
  return `${line}\n    ours: ${answer}\n    reference: ${c.refThrows ? 'throws' : JSON.stringify(c.expected)}`;
}

// ---------------------------------------------------------------------------------------

describe('tandem ot-eval against ot-text-unicode', () => {
  const rng = makeRandom(seed);
  const valid = generateValidCases(rng, validCases);
  const invalid = generateInvalidCases(rng);
  let result;

  before(async () => {
    assert.ok(existsSync(tandemBin), `${tandemBin} not found: build it first (cmake --build --preset release)`);
    result = await evaluate([...valid, ...invalid].map((c) => c.line));
  });

  after(() => {
    if (result) console.log(`cross-checked ${valid.length} valid and ${invalid.length} invalid cases (seed ${seed})`);
  });

  test('answers one line per request and exits 0', () => {
    assert.equal(result.code, 0);
    assert.equal(result.answers.length, valid.length + invalid.length);
  });

  test(`${validCases} random valid cases give the reference's results`, () => {
    assert.ok(valid.length >= Math.min(validCases, 100000));
    const failures = [];
    valid.forEach((c, i) => {
      const text = result.answers[i];
      const answer = JSON.parse(text);
      let problem = null;
      if (c.check) {
        problem = c.check(answer);
      } else if (!answer.ok) {
        problem = `refused: ${JSON.stringify(answer.error)}`;
      } else {
        try {
          assert.deepStrictEqual(answer.result, c.expected);
        } catch {
          problem = 'differs';
        }
      }
      if (problem) failures.push(`${problem}: ${describeCase(c, text)}`);
    });
    assert.equal(failures.length, 0, `${failures.length} differences, first ones:\n${failures.slice(0, 5).join('\n')}`);
  });

  test('invalid input is refused wherever the reference throws', () => {
    const failures = [];
    let refused = 0;
    invalid.forEach((c, k) => {
      const text = result.answers[valid.length + k];
      const answer = JSON.parse(text);
      let problem = null;
      if (c.kind === 'refused' || c.stricter || c.refThrows) {
        if (answer.ok) problem = 'accepted';
        else if (c.code && answer.error.code !== c.code) problem = `code ${answer.error.code}, want ${c.code}`;
        else if (typeof answer.error.message !== 'string' || answer.error.message === '') problem = 'no message';
        else refused++;
      } else if (!answer.ok) {
        problem = `refused what the reference accepts: ${JSON.stringify(answer.error)}`;
      } else {
        try {
          assert.deepStrictEqual(answer.result, c.expected);
        } catch {
          problem = 'differs';
        }
      }
      if (problem) failures.push(`${problem}: ${describeCase(c, text)}`);
    });
    assert.equal(failures.length, 0, `${failures.length} failures, first ones:\n${failures.slice(0, 5).join('\n')}`);
    assert.ok(refused > 1000, `only ${refused} refusals checked`);
  });
});
