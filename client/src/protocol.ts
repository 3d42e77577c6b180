// Protocol v1 messages (docs/protocol.md) as the client uses them.
import type { TextOp } from './ot.js';

export type TransportName = 'websocket' | 'sse' | 'poll';
export type Outcome = 'ok' | 'refused' | 'hung' | 'silent' | 'buffered' | 'timeout' | 'origin' | 'error';

export interface Attempt {
  transport: TransportName;
  outcome: Outcome;
  ms: number;
  detail?: string;
}

export interface Negotiation {
  transport?: TransportName;
  attempts: Attempt[];
  reconnects: number;
  /** The transport used before this connection, when the client switched (docs/protocol.md). */
  previous?: TransportName;
}

export type Selection = [number, number];

export type ClientMessage =
  | { t: 'hello'; client: string; token?: string; negotiation?: Negotiation }
  | { t: 'sub'; doc: string; v?: number }
  | { t: 'unsub'; doc: string }
  | { t: 'op'; doc: string; v: number; seq: number; op: TextOp }
  | { t: 'presence'; doc: string; v: number; sel: Selection[]; name?: string; color?: string }
  | { t: 'ping'; id: number };

export interface Welcome {
  t: 'welcome';
  client: string;
  heartbeat_ms: number;
  limits?: { max_message_bytes?: number; max_docs?: number; max_op_bytes?: number };
  server?: string;
}

export type ServerMessage =
  | Welcome
  | { t: 'snapshot'; doc: string; v: number; text: string }
  | { t: 'op'; doc: string; v: number; op: TextOp; client: string; seq: number }
  | { t: 'ack'; doc: string; v: number; seq: number }
  | { t: 'presence'; doc: string; client: string; v?: number; sel?: Selection[]; name?: string; color?: string; gone?: boolean }
  | { t: 'pong'; id: number }
  | { t: 'error'; code: string; message: string; doc?: string; seq?: number; fatal?: boolean; retry_ms?: number };

/** 128 random bits as 22 characters of base64url (docs/protocol.md §3). */
export function newClientId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
