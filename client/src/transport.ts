// What the client needs from a transport; WebSocket, SSE and long-poll implement it, and tests
// supply their own with scripted failures.
import type { ClientMessage, Outcome, ServerMessage, TransportName, Welcome } from './protocol.js';

/** Why a transport could not open, or why an open one ended. */
export class TransportFailure extends Error {
  constructor(
    readonly outcome: Outcome,
    readonly detail: string,
    /** A server's Retry-After, in milliseconds. */
    readonly retryAfterMs?: number,
    /** The server refused for good (bad token...): reconnecting as is cannot help. */
    readonly fatal = false,
  ) {
    super(`${outcome}: ${detail}`);
  }
}

export interface Subscription {
  doc: string;
  /** The version held; absent to start from a snapshot. */
  v?: number;
}

export interface TransportContext {
  /** Base URL of the server, e.g. http://127.0.0.1:8080 */
  url: string;
  clientId: string;
  token?: string;
  /** The documents to receive and the versions held, read whenever a downlink (re)starts. */
  subscriptions(): Subscription[];
  onMessage(message: ServerMessage): void;
  /** An open transport ended (not called for a failed open, nor after close()). */
  onClose(failure: TransportFailure): void;
}

export interface Transport {
  readonly name: TransportName;
  /**
   * Sends `hello` and resolves with the welcome once messages flow; rejects with a
   * TransportFailure when the deadline passes first (hung, silent, buffered) or it is refused.
   */
  open(hello: ClientMessage, deadlineMs: number): Promise<Welcome>;
  send(message: ClientMessage): void;
  close(): void;
  /** The page is going away: deliver `messages` if possible (they must outlive the page), then close. */
  closeForUnload?(messages: ClientMessage[]): void;
}

export type TransportFactory = (name: TransportName, context: TransportContext) => Transport;

/** Parses a Retry-After header (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
