// Heartbeats (docs/protocol.md §9): ping when nothing was sent for an interval; a connection
// from which nothing arrives within an interval of a ping is dead.
export class Heartbeat {
  #timer: ReturnType<typeof setInterval> | null = null;
  #intervalMs = 20_000;
  #lastSent = 0;
  #lastReceived = 0;
  #pingSentAt: number | null = null;
  #pingId = 0;

  constructor(
    private readonly ping: (id: number) => void,
    private readonly dead: (intervalMs: number) => void,
    private readonly now: () => number,
  ) {}

  start(intervalMs: number): void {
    this.stop();
    this.#intervalMs = intervalMs;
    this.#lastSent = this.now();
    this.#lastReceived = this.#lastSent;
    this.#pingSentAt = null;
    const tick = Math.max(250, Math.min(5000, intervalMs / 4));
    this.#timer = setInterval(() => {
      const t = this.now();
      if (this.#pingSentAt !== null && t - this.#pingSentAt > this.#intervalMs) {
        this.stop();
        this.dead(this.#intervalMs);
        return;
      }
      if (this.#pingSentAt === null && t - this.#lastSent >= this.#intervalMs) {
        this.#pingSentAt = t;
        this.#lastSent = t;
        this.ping(++this.#pingId);
      }
    }, tick);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  sent(): void { this.#lastSent = this.now(); }

  /** Anything received proves the path works. */
  received(): void {
    this.#pingSentAt = null;
    this.#lastReceived = this.now();
  }

  /** How long nothing went either way. */
  idleMs(): number { return this.now() - Math.max(this.#lastSent, this.#lastReceived); }
}
