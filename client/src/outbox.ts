// The offline outbox: per (client id, document), what the server has not confirmed yet, kept in
// IndexedDB so that a reload or a browser restart resubmits it exactly once. Exactly once rests
// on the protocol (docs/protocol.md §6): the op in flight is resent under the same client id
// and seq, so the server answers a resend of an applied op with its original ack. That is why
// a page adopts the client id of an outbox left behind by a closed page (never one a live page
// holds: a Web Lock per client id marks it taken).
import type { TextOp } from './ot.js';

export interface OutboxRecord {
  clientId: string;
  doc: string;
  /** Confirmed version and text (what the server has confirmed to this client). */
  version: number | null;
  confirmedText: string;
  inflight: { seq: number; op: TextOp; base: number } | null;
  buffer: TextOp | null;
  /** Next seq for (client id, doc): seqs are never reused for different content. */
  nextSeq: number;
  updatedAt: number;
}

export interface Outbox {
  readonly persistent: boolean;
  load(clientId: string, doc: string): Promise<OutboxRecord | undefined>;
  save(record: OutboxRecord): Promise<void>;
  /** Client ids whose records still hold unconfirmed ops. */
  pendingClientIds(): Promise<string[]>;
  /** Deletes every record of client ids that hold nothing unconfirmed and are not in `keep`. */
  sweep(keep: Set<string>): Promise<void>;
}

const pending = (r: OutboxRecord): boolean => r.inflight !== null || r.buffer !== null;

// Ids no page can adopt any more (nothing unconfirmed) and no live page holds.
function sweepable(records: OutboxRecord[], keep: Set<string>): Set<string> {
  const ids = new Set(records.map((r) => r.clientId));
  for (const r of records) if (pending(r) || keep.has(r.clientId)) ids.delete(r.clientId);
  return ids;
}

/** Where IndexedDB is missing (node, some private modes): kept for the page's life only. */
export class MemoryOutbox implements Outbox {
  readonly persistent = false;
  #records = new Map<string, OutboxRecord>();
  async load(clientId: string, doc: string): Promise<OutboxRecord | undefined> {
    const record = this.#records.get(`${clientId}\n${doc}`);
    return record ? structuredClone(record) : undefined;
  }
  async save(record: OutboxRecord): Promise<void> { this.#records.set(`${record.clientId}\n${record.doc}`, structuredClone(record)); }
  async pendingClientIds(): Promise<string[]> { return [...new Set([...this.#records.values()].filter(pending).map((r) => r.clientId))]; }
  async sweep(keep: Set<string>): Promise<void> {
    const stale = sweepable([...this.#records.values()], keep);
    for (const [key, record] of this.#records) if (stale.has(record.clientId)) this.#records.delete(key);
  }
}

const STORE = 'outbox';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export class IndexedDbOutbox implements Outbox {
  readonly persistent = true;
  #db: Promise<IDBDatabase>;

  constructor(name = 'tandem-outbox') {
    this.#db = new Promise((resolve, reject) => {
      const open = indexedDB.open(name, 1);
      open.onupgradeneeded = () => {
        const store = open.result.createObjectStore(STORE, { keyPath: ['clientId', 'doc'] });
        store.createIndex('clientId', 'clientId');
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }

  async #store(mode: IDBTransactionMode): Promise<IDBObjectStore> {
    return (await this.#db).transaction(STORE, mode).objectStore(STORE);
  }

  async load(clientId: string, doc: string): Promise<OutboxRecord | undefined> {
    return request((await this.#store('readonly')).get([clientId, doc]) as IDBRequest<OutboxRecord | undefined>);
  }

  async save(record: OutboxRecord): Promise<void> {
    const store = await this.#store('readwrite');
    await request(store.put(record));
    // Resolve once durable, so callers may rely on it surviving a tab close.
    await new Promise<void>((resolve, reject) => {
      store.transaction.oncomplete = () => resolve();
      store.transaction.onerror = () => reject(store.transaction.error);
    });
  }

  async pendingClientIds(): Promise<string[]> {
    const all = await request((await this.#store('readonly')).getAll() as IDBRequest<OutboxRecord[]>);
    return [...new Set(all.filter(pending).map((r) => r.clientId))];
  }

  async sweep(keep: Set<string>): Promise<void> {
    const store = await this.#store('readwrite');
    const all = await request(store.getAll() as IDBRequest<OutboxRecord[]>);
    const stale = sweepable(all, keep);
    for (const record of all) if (stale.has(record.clientId)) store.delete([record.clientId, record.doc]);
  }
}

export function defaultOutbox(): Outbox {
  return typeof indexedDB === 'undefined' ? new MemoryOutbox() : new IndexedDbOutbox();
}

// Which client ids hold unconfirmed ops, mirrored in localStorage so a page can choose its id
// without waiting for IndexedDB (which stays the source of the ops themselves).
const HINT_PREFIX = 'tandem.pending:';

function hintStorage(): Storage | null {
  try { return globalThis.localStorage ?? null; } catch { return null; }
}

/** Drops what closed pages left with nothing unconfirmed; ids held by live pages are kept. */
export async function sweepOutbox(outbox: Outbox, ownId: string): Promise<void> {
  const keep = new Set([ownId]);
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return;  // cannot tell which ids live pages hold
  const held = await locks.query();
  for (const lock of held.held ?? []) if (lock.name?.startsWith('tandem-client:')) keep.add(lock.name.slice('tandem-client:'.length));
  for (const lock of held.pending ?? []) if (lock.name?.startsWith('tandem-client:')) keep.add(lock.name.slice('tandem-client:'.length));
  await outbox.sweep(keep);
}

export function markPending(clientId: string, pending: boolean): void {
  const store = hintStorage();
  try {
    if (pending) store?.setItem(HINT_PREFIX + clientId, String(Date.now()));
    else store?.removeItem(HINT_PREFIX + clientId);
  } catch { /* storage full or disabled */ }
}

function pendingHints(): string[] {
  const store = hintStorage();
  if (!store) return [];
  const ids: string[] = [];
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i);
    if (key?.startsWith(HINT_PREFIX)) ids.push(key.slice(HINT_PREFIX.length));
  }
  return ids;
}

/**
 * Chooses this page's client id: one a closed page left with unconfirmed ops, if any (so they
 * are resent under their own id and seq), else a new one. An adopted id is held with a Web Lock
 * for the page's life so no other page adopts it. `adopted` says whether the outbox may hold
 * records for the id (a new id has none, so nothing needs to be read before connecting).
 */
export async function chooseClientId(outbox: Outbox, fresh: () => string): Promise<{ id: string; adopted: boolean }> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  const hold = (id: string): Promise<boolean> => {
    if (!locks) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      void locks.request(`tandem-client:${id}`, { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        // Held until the page goes away.
        return lock ? new Promise<void>(() => {}) : undefined;
      });
    });
  };
  if (outbox.persistent && locks) {
    for (const id of pendingHints()) {
      if (await hold(id)) return { id, adopted: true };
    }
  }
  const id = fresh();
  void hold(id);
  return { id, adopted: false };
}
