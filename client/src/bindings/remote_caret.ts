// The element both bindings draw for another person's cursor: a coloured caret with their name.
import type { Peer } from '../document.js';

/** `classPrefix` names the caret (`<prefix>`) and its label (`<prefix>-label`) for each binding's CSS. */
export function remoteCaret(doc: Document, peer: Peer, classPrefix: string): HTMLElement {
  const caret = doc.createElement('span');
  caret.className = classPrefix;
  caret.dataset.testid = 'remote-cursor';
  caret.dataset.client = peer.client;
  caret.style.borderColor = peer.color ?? '#888888';
  const label = doc.createElement('span');
  label.className = `${classPrefix}-label`;
  label.textContent = peer.name ?? 'anonymous';
  label.style.background = peer.color ?? '#888888';
  caret.appendChild(label);
  return caret;
}
