#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace tandem::bench {

// Latencies in microseconds, in log-linear buckets (32 per power of two, so a percentile is
// within 1.6 % of the true value), with exact count, sum, min and max. Fixed size, no
// allocation: each event loop records into its own and the runner merges them.
class LatencyHistogram {
 public:
  static constexpr unsigned kSubBucketBits = 6;
  static constexpr unsigned kSubBuckets = 1u << kSubBucketBits;
  static constexpr unsigned kMagnitudes = 40;  // up to 2^46 µs: far beyond any run
  static constexpr std::size_t kBuckets =
      std::size_t{kSubBuckets} + std::size_t{kMagnitudes} * (kSubBuckets / 2);

  void record(std::uint64_t micros);
  void merge(const LatencyHistogram& other);
  void clear();

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const {
    return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
  }
  // The value at or below which `fraction` (0..1) of the recordings fall: the midpoint of the
  // bucket that holds it, clamped to [min, max]. 0 when empty.
  std::uint64_t percentile(double fraction) const;

  // Bucket arithmetic, public for tests.
  static std::size_t bucket_of(std::uint64_t micros);
  static std::uint64_t bucket_low(std::size_t bucket);
  static std::uint64_t bucket_high(std::size_t bucket);  // exclusive

 private:
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
};

}  // namespace tandem::bench
