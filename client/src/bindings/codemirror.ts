// CodeMirror 6 binding: local transactions become ops (UTF-16 -> code points), remote ops are
// dispatched as annotated transactions, and other clients' cursors and selections are drawn as
// decorations that move with every change. CodeMirror itself is a peer dependency.
import { Annotation, StateEffect, StateField, Transaction, type Extension, type Text } from '@codemirror/state';
import { Decoration, EditorView, ViewPlugin, WidgetType, type DecorationSet, type ViewUpdate } from '@codemirror/view';
import type { Peer, TandemDocument } from '../document.js';
import type { TextOp } from '../ot.js';
import { remoteCaret } from './remote_caret.js';
import { codePointLength, codePointToUtf16, sanitize, utf16ChangesFromStart } from '../unicode.js';

const remote = Annotation.define<boolean>();
const setPeers = StateEffect.define<Peer[]>();

class CaretWidget extends WidgetType {
  constructor(readonly peer: Peer) { super(); }
  eq(other: CaretWidget): boolean {
    return other.peer.client === this.peer.client && other.peer.name === this.peer.name && other.peer.color === this.peer.color;
  }
  toDOM(): HTMLElement {
    return remoteCaret(document, this.peer, 'cm-tandem-cursor');
  }
  ignoreEvent(): boolean { return true; }
}

function decorations(text: Text, peers: Peer[]): DecorationSet {
  const content = text.toString();
  const ranges = [];
  for (const peer of peers) {
    for (const [anchor, head] of peer.sel) {
      const a = Math.min(codePointToUtf16(content, anchor), text.length);
      const h = Math.min(codePointToUtf16(content, head), text.length);
      if (a !== h) {
        ranges.push(Decoration.mark({ attributes: { style: `background-color: ${peer.color ?? '#888888'}40` }, class: 'cm-tandem-selection' })
          .range(Math.min(a, h), Math.max(a, h)));
      }
      ranges.push(Decoration.widget({ widget: new CaretWidget(peer), side: 1 }).range(h));
    }
  }
  return Decoration.set(ranges, true);
}

/** The op (code points) of one transaction's changes, against the text before it. */
function opFromChanges(update: ViewUpdate): TextOp[] {
  const ops: TextOp[] = [];
  for (const tr of update.transactions) {
    if (!tr.docChanged || tr.annotation(remote)) continue;
    const before = tr.startState.doc;
    const op: TextOp = [];
    let last = 0;
    tr.changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
      const skip = codePointLength(before.sliceString(last, fromA));
      if (skip > 0) op.push(skip);
      const removed = codePointLength(before.sliceString(fromA, toA));
      if (removed > 0) op.push({ d: removed });
      const text = sanitize(inserted.toString());
      if (text.length > 0) op.push(text);
      last = toA;
    });
    ops.push(op);
  }
  return ops;
}

/** The extension binding an editor to `doc`; create the editor with `doc.text` as its content. */
export function tandemCollab(doc: TandemDocument): Extension {
  const peersField = StateField.define<DecorationSet>({
    create: (state) => decorations(state.doc, doc.peers()),
    update(value, tr) {
      for (const effect of tr.effects) if (effect.is(setPeers)) return decorations(tr.state.doc, effect.value);
      return tr.docChanged ? value.map(tr.changes) : value;
    },
    provide: (field) => EditorView.decorations.from(field),
  });

  const plugin = ViewPlugin.fromClass(class {
    #off: Array<() => void> = [];
    constructor(readonly view: EditorView) {
      this.#off.push(doc.on('change', (event) => {
        if (!event.remote) return;
        const changes = utf16ChangesFromStart(event.before, event.op);
        // Dispatching inside another update is not allowed; remote changes come from the network.
        // Remote edits are not the user's to undo.
        this.view.dispatch({ changes, annotations: [remote.of(true), Transaction.addToHistory.of(false)] });
      }));
      // Presence changes also come from local edits, i.e. inside an update: redraw afterwards.
      this.#off.push(doc.on('presence', () => {
        if (this.#redraw) return;
        this.#redraw = true;
        queueMicrotask(() => {
          this.#redraw = false;
          if (!this.#destroyed) this.view.dispatch({ effects: setPeers.of(doc.peers()) });
        });
      }));
    }
    #redraw = false;
    #destroyed = false;
    update(update: ViewUpdate): void {
      for (const op of opFromChanges(update)) doc.submit(op);
      if (update.selectionSet || update.docChanged) {
        const content = update.state.doc;
        const sel = update.state.selection.ranges.map((r): [number, number] => [
          codePointLength(content.sliceString(0, r.anchor)), codePointLength(content.sliceString(0, r.head)),
        ]);
        if (update.selectionSet || update.transactions.some((tr) => !tr.annotation(remote))) doc.setSelection(sel);
      }
    }
    destroy(): void {
      this.#destroyed = true;
      for (const off of this.#off) off();
    }
  });

  return [peersField, plugin];
}
