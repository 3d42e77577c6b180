// Binds a plain <textarea> to a TandemDocument: local edits become ops (UTF-16 -> code points),
// remote ops update the text while keeping the caret where it belongs, and other clients'
// cursors and selections are drawn on an overlay that mirrors the textarea's layout.
import type { Peer, TandemDocument } from '../document.js';
import { transformPosition } from '../ot.js';
import { codePointToUtf16, diffUtf16, opFromUtf16Change, utf16ToCodePoint } from '../unicode.js';
import { remoteCaret } from './remote_caret.js';

export interface TextareaBinding {
  destroy(): void;
}

const MIRRORED = ['fontFamily', 'fontSize', 'fontWeight', 'fontStyle', 'letterSpacing', 'lineHeight', 'tabSize',
  'paddingTop', 'paddingRight', 'paddingBottom', 'paddingLeft', 'borderTopWidth', 'borderRightWidth',
  'borderBottomWidth', 'borderLeftWidth', 'boxSizing', 'whiteSpace', 'wordWrap', 'overflowWrap', 'textAlign'] as const;

export function bindTextarea(textarea: HTMLTextAreaElement, doc: TandemDocument): TextareaBinding {
  let value = doc.text;
  textarea.value = value;
  const overlay = createOverlay(textarea);

  const onInput = (): void => {
    const after = textarea.value;
    const change = diffUtf16(value, after);
    if (!change) return;
    doc.submit(opFromUtf16Change(value, change.from, change.to, change.insert));
    value = doc.text;
    if (value !== after) {
      // Lone surrogates were replaced: show what was really sent.
      const caret = textarea.selectionStart;
      textarea.value = value;
      textarea.setSelectionRange(caret, caret);
    }
    reportSelection();
  };

  const offChange = doc.on('change', (event) => {
    if (!event.remote) return;
    const focused = globalThis.document?.activeElement === textarea;
    const start = utf16ToCodePoint(event.before, textarea.selectionStart);
    const end = utf16ToCodePoint(event.before, textarea.selectionEnd);
    const scroll = textarea.scrollTop;
    value = doc.text;
    textarea.value = value;
    const newStart = codePointToUtf16(value, transformPosition(start, event.op));
    const newEnd = codePointToUtf16(value, transformPosition(end, event.op));
    if (focused) textarea.setSelectionRange(newStart, newEnd, textarea.selectionDirection);
    else textarea.setSelectionRange(newStart, newEnd);
    textarea.scrollTop = scroll;
    drawPeers(doc.peers());
  });

  let lastReported = '';
  const reportSelection = (): void => {
    const start = utf16ToCodePoint(value, textarea.selectionStart);
    const end = utf16ToCodePoint(value, textarea.selectionEnd);
    const sel: [number, number] = textarea.selectionDirection === 'backward' ? [end, start] : [start, end];
    const key = sel.join(',');
    if (key === lastReported) return;
    lastReported = key;
    doc.setSelection([sel]);
  };
  const onSelection = (): void => {
    if (globalThis.document?.activeElement === textarea) reportSelection();
  };

  const drawPeers = (peers: Peer[]): void => { overlay.draw(value, peers); };
  const offPresence = doc.on('presence', drawPeers);
  const onScroll = (): void => overlay.sync();

  textarea.addEventListener('input', onInput);
  textarea.addEventListener('select', onSelection);
  textarea.addEventListener('keyup', onSelection);
  textarea.addEventListener('mouseup', onSelection);
  textarea.addEventListener('focus', onSelection);
  textarea.addEventListener('scroll', onScroll);
  globalThis.document?.addEventListener('selectionchange', onSelection);
  const resize = typeof ResizeObserver === 'function' ? new ResizeObserver(() => overlay.sync()) : null;
  resize?.observe(textarea);
  drawPeers(doc.peers());

  return {
    destroy() {
      offChange();
      offPresence();
      textarea.removeEventListener('input', onInput);
      textarea.removeEventListener('select', onSelection);
      textarea.removeEventListener('keyup', onSelection);
      textarea.removeEventListener('mouseup', onSelection);
      textarea.removeEventListener('focus', onSelection);
      textarea.removeEventListener('scroll', onScroll);
      globalThis.document?.removeEventListener('selectionchange', onSelection);
      resize?.disconnect();
      overlay.remove();
    },
  };
}

// A div laid over the textarea with the same box and font; the text is transparent, so only the
// carets and selection highlights of other clients show.
function createOverlay(textarea: HTMLTextAreaElement): { draw(text: string, peers: Peer[]): void; sync(): void; remove(): void } {
  const d = textarea.ownerDocument;
  const layer = d.createElement('div');
  layer.className = 'tandem-overlay';
  layer.setAttribute('aria-hidden', 'true');
  const inner = d.createElement('div');
  layer.appendChild(inner);
  textarea.insertAdjacentElement('afterend', layer);
  let lastText = '';
  let lastPeers: Peer[] = [];

  const sync = (): void => {
    const style = getComputedStyle(textarea);
    for (const key of MIRRORED) (layer.style as unknown as Record<string, string>)[key] = style[key];
    Object.assign(layer.style, {
      position: 'absolute', pointerEvents: 'none', overflow: 'hidden', color: 'transparent',
      borderStyle: 'solid', borderColor: 'transparent', whiteSpace: 'pre-wrap', overflowWrap: 'break-word',
      left: `${textarea.offsetLeft}px`, top: `${textarea.offsetTop}px`,
      width: `${textarea.offsetWidth}px`, height: `${textarea.offsetHeight}px`,
    });
    // The textarea's scrollbar takes width the mirror must not use for text.
    inner.style.width = `${textarea.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)}px`;
    inner.style.transform = `translateY(${-textarea.scrollTop}px)`;
  };

  const draw = (text: string, peers: Peer[]): void => {
    lastText = text;
    lastPeers = peers;
    sync();
    inner.textContent = '';
    // Boundaries (UTF-16) where a highlight starts or ends or a caret sits.
    type Mark = { at: number; caret?: Peer; start?: Peer; end?: Peer };
    const marks: Mark[] = [];
    for (const peer of peers) {
      for (const [anchor, head] of peer.sel) {
        const a = codePointToUtf16(text, anchor);
        const h = codePointToUtf16(text, head);
        if (a !== h) {
          marks.push({ at: Math.min(a, h), start: peer });
          marks.push({ at: Math.max(a, h), end: peer });
        }
        marks.push({ at: h, caret: peer });
      }
    }
    marks.sort((x, y) => x.at - y.at);
    const open = new Map<Peer, number>();
    let cursor = 0;
    const flush = (to: number): void => {
      if (to <= cursor) return;
      const segment = text.slice(cursor, to);
      const owner = [...open.keys()][0];
      if (owner) {
        const mark = d.createElement('span');
        mark.className = 'tandem-remote-selection';
        mark.style.background = `${owner.color ?? '#888888'}40`;
        mark.textContent = segment;
        inner.appendChild(mark);
      } else {
        inner.appendChild(d.createTextNode(segment));
      }
      cursor = to;
    };
    for (const mark of marks) {
      flush(mark.at);
      if (mark.start) open.set(mark.start, 1);
      if (mark.end) open.delete(mark.end);
      if (mark.caret) inner.appendChild(remoteCaret(d, mark.caret, 'tandem-remote-cursor'));
    }
    flush(text.length);
    // A trailing newline needs content after it to take up its line.
    inner.appendChild(d.createTextNode('\u200b'));
  };

  return {
    draw,
    sync: () => { if (lastPeers.length > 0) draw(lastText, lastPeers); else sync(); },
    remove: () => layer.remove(),
  };
}
