#include "server/security/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace tandem::server::security {

TokenBucket::TokenBucket(RateLimit limit, Clock::time_point now)
    : limit_(limit), tokens_(std::max(limit.burst, 1.0)), updated_(now) {}

double TokenBucket::tokens_at(Clock::time_point now) const {
  // A clock that went backwards (or a stale `now` from another thread) refills nothing.
  const double elapsed = std::max(0.0, std::chrono::duration<double>(now - updated_).count());
  return std::min(std::max(limit_.burst, 1.0), tokens_ + elapsed * limit_.per_second);
}

std::chrono::milliseconds TokenBucket::take(Clock::time_point now) {
  if (limit_.unlimited()) return std::chrono::milliseconds(0);
  tokens_ = tokens_at(now);
  updated_ = std::max(updated_, now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return std::chrono::milliseconds(0);
  }
  const double wait_ms = std::ceil((1.0 - tokens_) / limit_.per_second * 1000.0);
  return std::chrono::milliseconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(wait_ms)));
}

bool TokenBucket::full(Clock::time_point now) const {
  return limit_.unlimited() || tokens_at(now) >= std::max(limit_.burst, 1.0);
}

}  // namespace tandem::server::security
