// Full-jitter exponential backoff: a delay drawn uniformly from [min, min(max, base * 2^attempt)].
export interface BackoffOptions { baseMs: number; maxMs: number; minMs: number }

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000, minMs: 0 };

export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random, retryAfterMs?: number): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  const jittered = options.minMs + random() * Math.max(0, ceiling - options.minMs);
  // A server shedding load says when to come back; never earlier.
  return retryAfterMs === undefined ? jittered : Math.max(jittered, retryAfterMs);
}
