// `auto` transport negotiation (docs/client.md): WebSocket first under a deadline that covers a
// hung upgrade and a silent socket, SSE next with a deadline for its first event (buffering
// proxies), long-poll last. When WebSocket has not answered within a head start, the next
// transport starts in parallel and whichever reaches a welcome first wins, so a broken
// WebSocket costs the user at most the head start.
import type { Attempt, ClientMessage, Negotiation, TransportName, Welcome } from './protocol.js';
import { TransportFailure, type Transport } from './transport.js';

export interface Deadlines {
  /** WebSocket: upgrade answered and welcome received. */
  websocket: number;
  /** SSE: hello answered and the stream's first event received. */
  sse: number;
  /** Long-poll: hello answered. */
  poll: number;
  /** How long WebSocket runs alone before the next transport starts alongside it. */
  headStart: number;
}

export const DEFAULT_DEADLINES: Deadlines = { websocket: 3000, sse: 1500, poll: 8000, headStart: 350 };

export interface Negotiated {
  transport: Transport;
  welcome: Welcome;
  attempts: Attempt[];
}

export class NegotiationFailed extends Error {
  constructor(readonly attempts: Attempt[], readonly retryAfterMs?: number, readonly fatal = false) {
    super(`no transport worked: ${attempts.map((a) => `${a.transport} ${a.outcome}${a.detail ? ` (${a.detail})` : ''}`).join('; ')}`);
  }
}

/**
 * Tries `order` as described above. `hello(report)` builds the hello for each attempt from
 * the report so far, so every attempt tells the server what failed before it.
 */
export function negotiate(
  order: TransportName[],
  create: (name: TransportName) => Transport,
  hello: (report: Negotiation) => ClientMessage,
  deadlines: Deadlines,
  reconnects: number,
): Promise<Negotiated> {
  return new Promise<Negotiated>((resolve, reject) => {
    const attempts: Attempt[] = [];
    const running = new Map<TransportName, { transport: Transport; started: number }>();
    let next = 0;
    let done = false;
    let retryAfterMs: number | undefined;
    let fatal = false;
    let headStartPassed = false;
    let headStartTimer: ReturnType<typeof setTimeout> | undefined;
    const now = (): number => (globalThis.performance?.now?.() ?? Date.now());

    const report = (using?: TransportName): Negotiation => {
      const pending: Attempt[] = [...running.entries()]
        .filter(([name]) => name !== using)
        .map(([name, run]) => ({ transport: name, outcome: 'hung', ms: Math.round(now() - run.started), detail: 'still pending' }));
      return { transport: using, attempts: [...attempts, ...pending], reconnects };
    };

    const startNext = (): void => {
      if (done) return;
      if (next >= order.length) {
        if (running.size === 0) {
          done = true;
          reject(new NegotiationFailed(attempts, retryAfterMs, fatal));
        }
        return;
      }
      const name = order[next++];
      const transport = create(name);
      const started = now();
      running.set(name, { transport, started });
      const deadline = deadlines[name];
      transport.open(hello(report(name)), deadline).then(
        (welcome) => {
          running.delete(name);
          if (done) { transport.close(); return; }
          done = true;
          clearTimeout(headStartTimer);
          attempts.push({ transport: name, outcome: 'ok', ms: Math.round(now() - started) });
          // Anything still trying lost the race: record how far it got, then stop it.
          for (const [other, run] of running) {
            attempts.push({ transport: other, outcome: 'hung', ms: Math.round(now() - run.started), detail: `abandoned: ${name} answered first` });
            run.transport.close();
          }
          running.clear();
          resolve({ transport, welcome, attempts });
        },
        (error: unknown) => {
          running.delete(name);
          if (done) return;
          const failure = error instanceof TransportFailure ? error : new TransportFailure('error', String(error));
          attempts.push({ transport: name, outcome: failure.outcome, ms: Math.round(now() - started), detail: failure.detail });
          if (failure.retryAfterMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, failure.retryAfterMs);
          if (failure.fatal) {
            fatal = true;
            done = true;
            for (const run of running.values()) run.transport.close();
            reject(new NegotiationFailed(attempts, retryAfterMs, true));
            return;
          }
          // Start the next one unless another (not a WebSocket past its head start) still runs.
          const others = [...running.keys()].filter((n) => !(n === 'websocket' && headStartPassed));
          if (others.length === 0) startNext();
        },
      );
      if (name === 'websocket' && next < order.length) {
        headStartTimer = setTimeout(() => {
          headStartPassed = true;
          if (running.size === 1 && running.has('websocket')) startNext();
        }, deadlines.headStart);
      }
    };
    startNext();
  });
}
