#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bench/latency_histogram.hpp"

namespace tandem::bench {

// Who received which version of which document, and when; from it, the latency from an op's
// submit until every subscriber of the document had it. Each event loop keeps its own ledger
// (one array slot per version, so a delivery costs an index and three stores) and the runner
// merges them after the run. Documents are fresh, so versions start at 0.
class DeliveryLedger {
 public:
  // Versions beyond this are not tracked (about 200 MB of slots per loop).
  static constexpr std::uint64_t kMaxVersions = std::uint64_t{1} << 23;

  // A subscriber received the op applied at `version` (an op or, for its author, the ack).
  void received(std::size_t doc, std::uint64_t version, std::int64_t now_ns, bool own);
  // The op at `version` was submitted by a client of this loop at `submit_ns` (while
  // measuring); only such versions count in the summary.
  void submitted(std::size_t doc, std::uint64_t version, std::int64_t submit_ns);
  void merge(const DeliveryLedger& other);

  struct Summary {
    LatencyHistogram to_all;       // submit -> the last subscriber received it
    LatencyHistogram to_first;     // submit -> the first subscriber other than its author
    std::uint64_t complete = 0;    // measured ops every subscriber received
    std::uint64_t incomplete = 0;  // measured ops some subscriber never received
  };
  // `subscribers[doc]` is how many clients were subscribed to the document while measuring.
  Summary summarize(const std::vector<std::uint32_t>& subscribers) const;

 private:
  struct Slot {
    std::int64_t submit_ns = 0;
    std::int64_t first_ns = 0;  // earliest receipt by a client other than the author
    std::int64_t last_ns = 0;
    std::uint32_t receivers = 0;
  };
  Slot* slot(std::size_t doc, std::uint64_t version);

  std::vector<std::vector<Slot>> docs_;
};

}  // namespace tandem::bench
