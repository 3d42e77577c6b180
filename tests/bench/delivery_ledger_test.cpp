#include "bench/delivery_ledger.hpp"

#include <gtest/gtest.h>

namespace tandem::bench {
namespace {

constexpr std::int64_t kMs = 1'000'000;

TEST(DeliveryLedger, AllDeliveredIsTheLastReceiverAcrossLoops) {
  DeliveryLedger loop_a, loop_b;
  // Version 0: submitted at 10 ms by a client of loop A; three subscribers.
  loop_a.received(0, 0, 12 * kMs, /*own=*/true);
  loop_a.submitted(0, 0, 10 * kMs);
  loop_b.received(0, 0, 13 * kMs, false);
  loop_b.received(0, 0, 19 * kMs, false);
  loop_a.merge(loop_b);
  const auto summary = loop_a.summarize({3});
  EXPECT_EQ(summary.complete, 1u);
  EXPECT_EQ(summary.incomplete, 0u);
  EXPECT_EQ(summary.to_all.max(), 9000u);    // 19 - 10 ms
  EXPECT_EQ(summary.to_first.max(), 3000u);  // 13 - 10 ms: the author's ack does not count
}

TEST(DeliveryLedger, MissingReceiverMakesAnOpIncomplete) {
  DeliveryLedger ledger;
  ledger.submitted(0, 0, kMs);
  ledger.received(0, 0, 2 * kMs, true);
  ledger.submitted(0, 1, kMs);
  ledger.received(0, 1, 2 * kMs, true);
  ledger.received(0, 1, 3 * kMs, false);
  const auto summary = ledger.summarize({2});
  EXPECT_EQ(summary.complete, 1u);
  EXPECT_EQ(summary.incomplete, 1u);
  EXPECT_EQ(summary.to_all.count(), 1u);
}

TEST(DeliveryLedger, VersionsNotSubmittedWhileMeasuringAreIgnored) {
  DeliveryLedger ledger;
  ledger.received(1, 5, 2 * kMs, false);
  const auto summary = ledger.summarize({1, 1});
  EXPECT_EQ(summary.complete + summary.incomplete, 0u);
}

TEST(DeliveryLedger, VersionsBeyondTheBoundAreDropped) {
  DeliveryLedger ledger;
  ledger.submitted(0, DeliveryLedger::kMaxVersions, kMs);
  ledger.received(0, DeliveryLedger::kMaxVersions, 2 * kMs, false);
  EXPECT_EQ(ledger.summarize({1}).complete, 0u);
}

}  // namespace
}  // namespace tandem::bench
