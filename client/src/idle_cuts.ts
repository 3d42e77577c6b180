// Proxies with a read timeout (nginx `proxy_read_timeout`, HAProxy `timeout server` without
// `timeout tunnel`) cut a quiet connection after the same idle time again and again. Two cuts
// after about the same silence are taken as that timeout, and heartbeats then go out well
// within it, so the connection stays up instead of being rebuilt every few seconds.
const MIN_IDLE_MS = 2000;  // shorter silences are ordinary network trouble
const SAME_WITHIN = 0.25;  // two idle times within 25 % of each other are "the same"
const MARGIN = 0.6;        // ping at 60 % of the timeout

export class IdleCuts {
  #last: number | null = null;
  #limitMs: number | null = null;

  /** A connection closed by the network after `idleMs` of silence. */
  cut(idleMs: number): void {
    if (idleMs < MIN_IDLE_MS) return;
    const previous = this.#last;
    this.#last = idleMs;
    if (previous !== null && Math.abs(previous - idleMs) <= SAME_WITHIN * Math.max(previous, idleMs)) {
      const limit = Math.floor(Math.min(previous, idleMs) * MARGIN);
      this.#limitMs = this.#limitMs === null ? limit : Math.min(this.#limitMs, limit);
    }
  }

  /** The heartbeat interval to use given the server's. */
  heartbeatMs(serverMs: number): number {
    return this.#limitMs === null ? serverMs : Math.min(serverMs, Math.max(1000, this.#limitMs));
  }

  /** The idle timeout learned, if any (for diagnostics). */
  get learnedMs(): number | null { return this.#limitMs === null ? null : Math.round(this.#limitMs / MARGIN); }
}
