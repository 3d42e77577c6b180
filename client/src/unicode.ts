// Conversion between the editor's UTF-16 offsets and the protocol's code-point positions
// (docs/protocol.md §1). Nothing here ever splits a surrogate pair.
import type { TextOp } from './ot.js';

const isHigh = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

/** Number of code points in `text`. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    if (isHigh(text.charCodeAt(i)) && i + 1 < text.length && isLow(text.charCodeAt(i + 1))) i++;
    count++;
  }
  return count;
}

/** The code-point position of UTF-16 offset `offset` (an offset inside a pair counts as after it). */
export function utf16ToCodePoint(text: string, offset: number): number {
  let count = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (isHigh(text.charCodeAt(i)) && i + 1 < text.length && isLow(text.charCodeAt(i + 1))) i++;
    count++;
  }
  return count;
}

/** The UTF-16 offset of code-point position `position` (clamped to the text). */
export function codePointToUtf16(text: string, position: number): number {
  let i = 0;
  for (let count = 0; count < position && i < text.length; count++) {
    i += isHigh(text.charCodeAt(i)) && i + 1 < text.length && isLow(text.charCodeAt(i + 1)) ? 2 : 1;
  }
  return i;
}

/** Replaces lone surrogates (which the server refuses) with U+FFFD. */
export function sanitize(text: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (isHigh(unit) && i + 1 < text.length && isLow(text.charCodeAt(i + 1))) {
      i++;
    } else if (isHigh(unit) || isLow(unit)) {
      out += text.slice(start, i) + '\ufffd';
      start = i + 1;
    }
  }
  return start === 0 ? text : out + text.slice(start);
}

/**
 * The op (code points) that replaces UTF-16 range [from, to) of `before` with `insert`.
 * Ranges that cut a pair are widened to the whole pair.
 */
export function opFromUtf16Change(before: string, from: number, to: number, insert: string): TextOp {
  // A range cutting a pair is widened to the whole pair; the half it kept is re-attached only
  // when the insert completes it again (an editor replacing one half of a pair).
  if (from > 0 && from < before.length && isLow(before.charCodeAt(from)) && isHigh(before.charCodeAt(from - 1))) {
    if (insert.length > 0 && isLow(insert.charCodeAt(0))) insert = before[from - 1] + insert;
    from--;
  }
  if (to > 0 && to < before.length && isLow(before.charCodeAt(to)) && isHigh(before.charCodeAt(to - 1))) {
    if (insert.length > 0 && isHigh(insert.charCodeAt(insert.length - 1))) insert += before[to];
    to++;
  }
  const op: TextOp = [];
  const skip = utf16ToCodePoint(before, from);
  if (skip > 0) op.push(skip);
  const removed = codePointLength(before.slice(from, to));
  if (removed > 0) op.push({ d: removed });
  const inserted = sanitize(insert);
  if (inserted.length > 0) op.push(inserted);
  return op;
}

/** The UTF-16 change turning `before` into `after`: common prefix and suffix kept, never splitting a pair. */
export function diffUtf16(before: string, after: string): { from: number; to: number; insert: string } | null {
  if (before === after) return null;
  let prefix = 0;
  const max = Math.min(before.length, after.length);
  while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  if (prefix > 0 && isHigh(before.charCodeAt(prefix - 1))) prefix--;
  let suffix = 0;
  const maxSuffix = max - prefix;
  while (suffix < maxSuffix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  if (suffix > 0 && isLow(before.charCodeAt(before.length - suffix))) suffix--;
  return { from: prefix, to: before.length - suffix, insert: after.slice(prefix, after.length - suffix) };
}

/** The op (code points) turning `before` into `after`. */
export function diffOp(before: string, after: string): TextOp {
  const change = diffUtf16(before, after);
  return change ? opFromUtf16Change(before, change.from, change.to, change.insert) : [];
}

/** Each change of `op` (code points over `before`) as UTF-16 offsets into the text as it evolves. */
export function utf16Changes(before: string, op: TextOp): Array<{ from: number; to: number; insert: string }> {
  const changes: Array<{ from: number; to: number; insert: string }> = [];
  let text = before;
  let cursor = 0; // UTF-16 offset into `text`, which already holds the changes made so far
  for (const component of op) {
    if (typeof component === 'number') {
      cursor += codePointToUtf16(text.slice(cursor), component);
    } else if (typeof component === 'string') {
      changes.push({ from: cursor, to: cursor, insert: component });
      text = text.slice(0, cursor) + component + text.slice(cursor);
      cursor += component.length;
    } else {
      const count = typeof component.d === 'number' ? component.d : codePointLength(component.d);
      const end = cursor + codePointToUtf16(text.slice(cursor), count);
      changes.push({ from: cursor, to: end, insert: '' });
      text = text.slice(0, cursor) + text.slice(end);
    }
  }
  return changes;
}

/** The changes of `op` (code points over `before`) as UTF-16 ranges of `before` (CodeMirror's ChangeSpec[]). */
export function utf16ChangesFromStart(before: string, op: TextOp): Array<{ from: number; to: number; insert: string }> {
  const changes: Array<{ from: number; to: number; insert: string }> = [];
  let cursor = 0;  // UTF-16 offset into `before`
  const advance = (count: number): number => {
    let i = cursor;
    for (let n = 0; n < count && i < before.length; n++) {
      i += isHigh(before.charCodeAt(i)) && i + 1 < before.length && isLow(before.charCodeAt(i + 1)) ? 2 : 1;
    }
    return i;
  };
  for (const component of op) {
    if (typeof component === 'number') {
      cursor = advance(component);
    } else if (typeof component === 'string') {
      changes.push({ from: cursor, to: cursor, insert: component });
    } else {
      const end = advance(typeof component.d === 'number' ? component.d : codePointLength(component.d));
      changes.push({ from: cursor, to: end, insert: '' });
      cursor = end;
    }
  }
  return changes;
}
