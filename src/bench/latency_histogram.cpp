#include "bench/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tandem::bench {

// Values below kSubBuckets get one bucket each; above, magnitude m (the value's bit width
// beyond kSubBucketBits) splits [2^(m+5), 2^(m+6)) into kSubBuckets equal parts.
std::size_t LatencyHistogram::bucket_of(std::uint64_t micros) {
  if (micros < kSubBuckets) return static_cast<std::size_t>(micros);
  const unsigned width = static_cast<unsigned>(std::bit_width(micros));  // > kSubBucketBits
  const unsigned shift = width - kSubBucketBits;
  if (shift > kMagnitudes) return kBuckets - 1;
  const std::uint64_t sub = (micros >> shift) - (kSubBuckets / 2);  // 0 .. kSubBuckets/2 - 1
  return std::size_t{kSubBuckets} + std::size_t{shift - 1} * (kSubBuckets / 2) + sub;
}

std::uint64_t LatencyHistogram::bucket_low(std::size_t bucket) {
  if (bucket < kSubBuckets) return bucket;
  const std::size_t index = bucket - kSubBuckets;
  const unsigned magnitude = static_cast<unsigned>(index / (kSubBuckets / 2)) + 1;
  const std::uint64_t sub = index % (kSubBuckets / 2) + kSubBuckets / 2;
  return sub << magnitude;
}

std::uint64_t LatencyHistogram::bucket_high(std::size_t bucket) {
  if (bucket < kSubBuckets) return bucket + 1;
  const std::size_t index = bucket - kSubBuckets;
  const unsigned magnitude = static_cast<unsigned>(index / (kSubBuckets / 2)) + 1;
  return bucket_low(bucket) + (std::uint64_t{1} << magnitude);
}

void LatencyHistogram::record(std::uint64_t micros) {
  ++buckets_[bucket_of(micros)];
  ++count_;
  sum_ += micros;
  min_ = std::min(min_, micros);
  max_ = std::max(max_, micros);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void LatencyHistogram::clear() { *this = LatencyHistogram{}; }

std::uint64_t LatencyHistogram::percentile(double fraction) const {
  if (count_ == 0) return 0;
  fraction = std::clamp(fraction, 0.0, 1.0);
  // The rank of the wanted recording, 1-based: p50 of 1..100 is the 50th.
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(fraction * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      const std::uint64_t low = bucket_low(i);
      const std::uint64_t high = bucket_high(i);
      const std::uint64_t middle = high - low <= 1 ? low : low + (high - low) / 2;
      return std::clamp(middle, min_, max_);
    }
  }
  return max_;
}

}  // namespace tandem::bench
