#pragma once

#include <chrono>

namespace tandem::server::security {

// How fast something may happen: `per_second` on average, up to `burst` at once after a quiet
// spell. A rate of 0 means unlimited.
struct RateLimit {
  double per_second = 0;
  double burst = 0;

  [[nodiscard]] bool unlimited() const { return per_second <= 0; }
};

// A token bucket: it holds at most `burst` tokens, refills at `per_second`, and each event
// takes one. Not thread-safe; the caller passes the time, so tests need no clock.
class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts full: a client that just arrived may use its whole burst.
  TokenBucket(RateLimit limit, Clock::time_point now);

  // Takes a token and returns zero, or, when none is left, takes nothing and returns how long
  // until one is there (at least 1 ms), for the refusal's retry hint.
  std::chrono::milliseconds take(Clock::time_point now);
  // True when the bucket has refilled completely: it remembers nothing worth keeping.
  [[nodiscard]] bool full(Clock::time_point now) const;

 private:
  [[nodiscard]] double tokens_at(Clock::time_point now) const;

  RateLimit limit_;
  double tokens_;
  Clock::time_point updated_;
};

}  // namespace tandem::server::security
