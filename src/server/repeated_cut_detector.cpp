#include "server/repeated_cut_detector.hpp"

#include <algorithm>

namespace tandem::server {

std::optional<std::chrono::milliseconds> RepeatedCutDetector::departed(
    std::chrono::milliseconds age, std::chrono::milliseconds hold) {
  // Near the hold the server was about to answer anyway: that is no cut.
  if (age < options_.shortest || age + options_.tolerance >= hold) return std::nullopt;
  const std::lock_guard lock(mutex_);
  const std::size_t window = std::min({options_.remembered, kCapacity, count_ + 1});
  ages_[count_ % kCapacity] = age;
  ++count_;
  std::size_t agreeing = 0;
  auto shortest = age;
  for (std::size_t i = 0; i < window; ++i) {
    const auto other = ages_[(count_ - 1 - i) % kCapacity];
    if (std::chrono::abs(other - age) <= options_.tolerance) {
      ++agreeing;
      shortest = std::min(shortest, other);
    }
  }
  if (agreeing < options_.needed) return std::nullopt;
  return shortest;
}

}  // namespace tandem::server
