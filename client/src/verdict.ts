// The negotiation verdict, remembered per server in localStorage with an expiry, so the next
// page load goes straight to the transport that worked.
import type { TransportName } from './protocol.js';

const PREFIX = 'tandem.verdict:';

export interface Verdict { transport: TransportName; expires: number }

function storage(): Storage | null {
  try { return globalThis.localStorage ?? null; } catch { return null; }
}

export function loadVerdict(server: string, now = Date.now()): TransportName | null {
  const store = storage();
  if (!store) return null;
  try {
    const verdict = JSON.parse(store.getItem(PREFIX + server) ?? 'null') as Verdict | null;
    if (!verdict || verdict.expires <= now) return null;
    return verdict.transport === 'websocket' || verdict.transport === 'sse' || verdict.transport === 'poll' ? verdict.transport : null;
  } catch {
    return null;
  }
}

export function saveVerdict(server: string, transport: TransportName, ttlMs: number, now = Date.now()): void {
  try { storage()?.setItem(PREFIX + server, JSON.stringify({ transport, expires: now + ttlMs })); } catch { /* full or disabled */ }
}

export function forgetVerdict(server: string): void {
  try { storage()?.removeItem(PREFIX + server); } catch { /* disabled */ }
}
