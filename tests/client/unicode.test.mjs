// UTF-16 <-> code point conversion at the editor boundary: astral characters (emoji), CJK,
// combining marks, and edits that would cut a surrogate pair.
import test from 'node:test';
import assert from 'node:assert/strict';
import otText from 'ot-text-unicode';
import { loadClient } from './fake_network.mjs';

const { codePointLength, utf16ToCodePoint, codePointToUtf16, sanitize, opFromUtf16Change, diffUtf16, diffOp, utf16Changes } = await loadClient();
const { type } = otText;

test('lengths and offsets count code points', () => {
  assert.equal(codePointLength('a😀b'), 3);
  assert.equal(codePointLength('中文'), 2);
  assert.equal(codePointLength('e\u0301'), 2);
  assert.equal(codePointLength('👍🏽'), 2);
  assert.equal(utf16ToCodePoint('a😀b', 3), 2);
  assert.equal(utf16ToCodePoint('a😀b', 2), 2, 'an offset inside a pair counts as after it');
  assert.equal(codePointToUtf16('a😀b', 2), 3);
  assert.equal(codePointToUtf16('a😀b', 99), 4);
  for (const text of ['', 'abc', '😀😀', 'x中😀y👍🏽z']) {
    for (let cp = 0; cp <= codePointLength(text); cp++) assert.equal(utf16ToCodePoint(text, codePointToUtf16(text, cp)), cp);
  }
});

test('lone surrogates are replaced before they reach the server', () => {
  assert.equal(sanitize('ok😀'), 'ok😀');
  assert.equal(sanitize('a\ud83d'), 'a\ufffd');
  assert.equal(sanitize('\ude00b'), '\ufffdb');
});

test('an editor change becomes a code-point op', () => {
  assert.deepEqual(opFromUtf16Change('a😀b', 3, 3, '中'), [2, '中']);
  assert.deepEqual(opFromUtf16Change('a😀b', 1, 3, ''), [1, { d: 1 }]);
  assert.deepEqual(opFromUtf16Change('a😀b', 0, 0, '😀'), ['😀']);
  // A range cutting the pair is widened, never sending half of it.
  const op = opFromUtf16Change('a😀b', 2, 3, '');
  assert.equal(type.apply('a😀b', op), 'ab');
});

test('diffs never split a pair, even when two emoji share their high surrogate', () => {
  const before = 'x😀y';
  const after = 'x😁y';
  const change = diffUtf16(before, after);
  assert.deepEqual(change, { from: 1, to: 3, insert: '😁' });
  assert.deepEqual(diffOp(before, after), [1, { d: 1 }, '😁']);
  assert.deepEqual(diffOp('中文', '中国文'), [1, '国']);
  assert.deepEqual(diffOp('same', 'same'), []);
});

test('random edits round-trip: the op from a UTF-16 change applies to the same result', () => {
  const alphabet = ['a', 'é', '中', '😀', '👍🏽', '\n', 'e\u0301'];
  let seed = 7;
  const random = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  let text = '';
  for (let i = 0; i < 2000; i++) {
    const units = [...text];
    const from = Math.floor(random() * (units.length + 1));
    const to = Math.min(units.length, from + Math.floor(random() * 3));
    let insert = '';
    for (let k = Math.floor(random() * 3); k > 0; k--) insert += alphabet[Math.floor(random() * alphabet.length)];
    const next = units.slice(0, from).join('') + insert + units.slice(to).join('');
    const op = diffOp(text, next);
    assert.equal(type.apply(text, op), next);
    // And back: the op's changes, replayed on UTF-16 strings, give the same text.
    let replay = text;
    for (const c of utf16Changes(text, op)) replay = replay.slice(0, c.from) + c.insert + replay.slice(c.to);
    assert.equal(replay, next);
    text = next;
  }
});
