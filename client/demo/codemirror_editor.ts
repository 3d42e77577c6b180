// The demo's CodeMirror 6 editor, in its own chunk so it loads in parallel with the connection.
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { tandemCollab } from '../src/bindings/codemirror.js';
import type { TandemDocument } from '../src/document.js';

export function mountCodeMirror(parent: HTMLElement, doc: TandemDocument): EditorView {
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: doc.text,
      extensions: [
        lineNumbers(), history(), drawSelection(), highlightActiveLine(), EditorView.lineWrapping,
        keymap.of([...defaultKeymap, ...historyKeymap]),
        EditorView.contentAttributes.of({ 'data-testid': 'editor', 'aria-label': `Document ${doc.id}` }),
        tandemCollab(doc),
      ],
    }),
  });
  view.focus();
  return view;
}
