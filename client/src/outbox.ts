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
  /** Drops records of `clientId` that hold nothing unconfirmed. */
  prune(clientId: string): Promise<void>;
}

const pending = (r: OutboxRecord): boolean => r.inflight !== null || r.buffer !== null;

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
  async prune(clientId: string): Promise<void> {
    for (const [key, record] of this.#records) if (record.clientId === clientId && !pending(record)) this.#records.delete(key);
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

  async prune(clientId: string): Promise<void> {
    const store = await this.#store('readwrite');
    const records = await request(store.index('clientId').getAll(clientId) as IDBRequest<OutboxRecord[]>);
    for (const record of records) if (!pending(record)) store.delete([record.clientId, record.doc]);
  }
}

export function defaultOutbox(): Outbox {
  return typeof indexedDB === 'undefined' ? new MemoryOutbox() : new IndexedDbOutbox();
}

/**
 * Chooses this page's client id: one a closed page left with unconfirmed ops, if any (so they
 * are resent under their own id and seq), else a new one. The id is held with a Web Lock for
 * the page's life so no other page adopts it.
 */
export async function chooseClientId(outbox: Outbox, fresh: () => string): Promise<string> {
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
    try {
      for (const id of await outbox.pendingClientIds()) {
        if (await hold(id)) return id;
      }
    } catch { /* an unreadable outbox is not a reason to stop */ }
  }
  const id = fresh();
  await hold(id);
  return id;
}
