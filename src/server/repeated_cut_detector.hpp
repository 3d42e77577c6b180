#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>

namespace tandem::server {

// Spots a proxy read timeout from the server's side: held requests (long-polls) whose client
// went away before the answer, again and again at about the same age. One early departure is a
// closed tab; three within half a second of each other among the last eight are a timer in
// between. Thread-safe: every loop reports into one detector.
class RepeatedCutDetector {
 public:
  struct Options {
    std::size_t remembered = 8;                // the last departures looked at
    std::size_t needed = 3;                    // how many must agree
    std::chrono::milliseconds tolerance{500};  // "about the same age"
    std::chrono::milliseconds shortest{1000};  // younger departures say nothing
  };

  RepeatedCutDetector() : RepeatedCutDetector(Options{}) {}
  explicit RepeatedCutDetector(Options options) : options_(options) {}

  // A held request of `age` lost its client before the answer was due (after `hold`). Returns
  // the age the recent departures agree on when this one completes the pattern.
  std::optional<std::chrono::milliseconds> departed(std::chrono::milliseconds age,
                                                    std::chrono::milliseconds hold);

 private:
  static constexpr std::size_t kCapacity = 32;

  Options options_;
  std::mutex mutex_;
  std::array<std::chrono::milliseconds, kCapacity> ages_{};
  std::size_t count_ = 0;  // departures recorded, ever
};

}  // namespace tandem::server
