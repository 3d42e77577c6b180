// The demo editor served at / and /d/NAME: a document picker, the editor with live cursors, a
// user list, a transport badge (hover: the negotiation report) and a connection banner.
// CodeMirror loads while the client connects: neither waits for the other.
performance.mark('tandem:demo-start');
const codemirror = import('./codemirror_editor.js').then((m) => { performance.mark('tandem:codemirror-loaded'); return m; });
import { bindTextarea } from '../src/bindings/textarea.js';
import { connect, type TandemClient } from '../src/client.js';
import type { TandemDocument } from '../src/document.js';
import type { TransportName } from '../src/protocol.js';

declare global {
  interface Window { tandem: TandemClient; tandemDoc?: TandemDocument; tandemEditorText?: () => string }
}

const COLORS = ['#e91e63', '#3f51b5', '#009688', '#ff9800', '#9c27b0', '#795548', '#2196f3', '#4caf50'];
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const params = new URLSearchParams(location.search);
const forced = params.get('transport');
const transport = forced === 'websocket' || forced === 'sse' || forced === 'poll' ? forced as TransportName : 'auto';
const useTextarea = params.get('editor') === 'textarea';
const docMatch = /^\/d\/([A-Za-z0-9._~-]{1,128})$/.exec(location.pathname);

function storedName(): string {
  let name = localStorage.getItem('tandem.name');
  if (!name) {
    const animals = ['Otter', 'Heron', 'Lynx', 'Panda', 'Wren', 'Ibex', 'Koala', 'Orca'];
    name = `${animals[Math.floor(Math.random() * animals.length)]} ${Math.floor(Math.random() * 90 + 10)}`;
    localStorage.setItem('tandem.name', name);
  }
  return name;
}

const name = params.get('name') ?? storedName();
const color = COLORS[Math.floor(Math.random() * COLORS.length)];
const client = connect({ transport, name, color });
window.tandem = client;

const badge = $('transport');
const banner = $('banner');
const choice = $<HTMLSelectElement>('transport-choice');
choice.value = transport;
choice.addEventListener('change', () => {
  const url = new URL(location.href);
  if (choice.value === 'auto') url.searchParams.delete('transport');
  else url.searchParams.set('transport', choice.value);
  location.href = url.toString();
});

const showStatus = (): void => {
  const status = client.status;
  badge.textContent = status.transport ?? '…';
  badge.dataset.transport = status.transport ?? '';
  const diagnostics = client.diagnostics();
  const last = diagnostics.negotiations.at(-1);
  badge.title = `${status.reason}\n\n${JSON.stringify(last?.attempts ?? [], null, 1)}`;
  banner.dataset.state = status.state;
  const pending = window.tandemDoc && !window.tandemDoc.saved;
  banner.textContent = {
    connecting: 'Connecting…',
    connected: `Connected over ${status.transport}`,
    offline: pending ? 'Offline — changes saved locally' : 'Offline — you can keep typing; changes are saved locally',
    reconnecting: pending ? 'Reconnecting… changes saved locally' : 'Reconnecting…',
    closed: 'Closed',
  }[status.state];
};
client.on('status', showStatus);
showStatus();

const myName = $<HTMLInputElement>('my-name');
myName.value = name;
myName.addEventListener('change', () => { localStorage.setItem('tandem.name', myName.value); location.reload(); });

const form = $<HTMLFormElement>('open-form');
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const value = $<HTMLInputElement>('doc-name').value.trim();
  if (value) location.href = `/d/${encodeURIComponent(value)}${location.search}`;
});

async function openEditor(id: string): Promise<void> {
  $('doc-title').textContent = id;
  $<HTMLInputElement>('doc-name').value = id;
  const share = $<HTMLAnchorElement>('share');
  share.href = `${location.origin}/d/${id}`;
  share.textContent = share.href;
  const host = $('editor-host');
  const loading = document.createElement('p');
  loading.textContent = 'Loading…';
  host.appendChild(loading);
  const doc = await client.openDocument(id);
  performance.mark('tandem:document-ready');
  window.tandemDoc = doc;
  loading.remove();
  if (useTextarea) {
    const textarea = document.createElement('textarea');
    textarea.dataset.testid = 'editor';
    textarea.spellcheck = false;
    textarea.placeholder = 'Start typing; share the link above to edit together.';
    host.appendChild(textarea);
    bindTextarea(textarea, doc);
    textarea.focus();
    window.tandemEditorText = () => textarea.value;
  } else {
    const { mountCodeMirror } = await codemirror;
    const view = mountCodeMirror(host, doc);
    window.tandemEditorText = () => view.state.doc.toString();
  }
  const saved = $('saved');
  const showSaved = (): void => {
    saved.textContent = doc.saved ? 'saved' : 'saving…';
    saved.dataset.saved = String(doc.saved);
    showStatus();
  };
  doc.on('status', showSaved);
  showSaved();
  const people = $('people');
  const showPeople = (): void => {
    people.textContent = '';
    const me = document.createElement('li');
    me.innerHTML = `<span class="dot" style="background:${color}"></span>`;
    me.append(`${name} (you)`);
    people.appendChild(me);
    for (const peer of doc.peers()) {
      const li = document.createElement('li');
      li.dataset.testid = 'peer';
      const dot = document.createElement('span');
      dot.className = 'dot';
      dot.style.background = peer.color ?? '#888';
      li.append(dot, peer.name ?? 'anonymous');
      people.appendChild(li);
    }
  };
  doc.on('presence', showPeople);
  showPeople();
  // For the speed test: milliseconds from navigation start to an editable, synced document.
  (window as unknown as { tandemEditableMs: number }).tandemEditableMs = performance.now();
  document.body.dataset.ready = 'true';
}

void openEditor(docMatch ? docMatch[1] : 'welcome');
