#include "server/repeated_cut_detector.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace tandem::server {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kHold{25'000};

TEST(RepeatedCutDetectorTest, ThreeCutsAtTheSameAgeAreAReadTimeout) {
  RepeatedCutDetector detector;
  EXPECT_FALSE(detector.departed(milliseconds{10'020}, kHold));
  EXPECT_FALSE(detector.departed(milliseconds{9'980}, kHold));
  const auto found = detector.departed(milliseconds{10'300}, kHold);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, milliseconds{9'980});  // the shortest of the agreeing ages
}

TEST(RepeatedCutDetectorTest, ScatteredDeparturesAreClosedTabs) {
  RepeatedCutDetector detector;
  for (const int ms : {1'500, 4'000, 7'200, 12'900, 16'000, 20'100, 3'100, 9'000}) {
    EXPECT_FALSE(detector.departed(milliseconds{ms}, kHold)) << ms;
  }
}

TEST(RepeatedCutDetectorTest, DeparturesNearTheHoldOrVeryEarlySayNothing) {
  RepeatedCutDetector detector;
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(detector.departed(milliseconds{24'800}, kHold));  // the answer was due anyway
    EXPECT_FALSE(detector.departed(milliseconds{200}, kHold));     // a page closed at once
  }
}

TEST(RepeatedCutDetectorTest, OnlyTheLastEightCount) {
  RepeatedCutDetector detector;
  EXPECT_FALSE(detector.departed(milliseconds{10'000}, kHold));
  EXPECT_FALSE(detector.departed(milliseconds{10'000}, kHold));
  for (int i = 0; i < 8; ++i) EXPECT_FALSE(detector.departed(milliseconds{1'500 + i * 600}, kHold));
  // The two old 10 s cuts have left the window.
  EXPECT_FALSE(detector.departed(milliseconds{10'000}, kHold));
}

TEST(RepeatedCutDetectorTest, SafeFromManyLoopsAtOnce) {
  RepeatedCutDetector detector;
  std::vector<std::thread> loops;
  loops.reserve(4);
  std::atomic<int> found{0};
  for (int t = 0; t < 4; ++t) {
    loops.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (detector.departed(milliseconds{10'000 + (i % 7) * 10}, kHold)) ++found;
      }
    });
  }
  for (auto& loop : loops) loop.join();
  EXPECT_GE(found.load(), 3990);  // all but the first two
}

}  // namespace
}  // namespace tandem::server
