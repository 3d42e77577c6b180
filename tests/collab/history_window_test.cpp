#include "collab/history_window.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tandem::collab {
namespace {

AppliedOp op_at(std::uint64_t version, std::string client, std::uint64_t seq) {
  return AppliedOp{version, std::move(client), seq, ot::Op{}};
}

TEST(HistoryWindow, StartsEmptyAtTheGivenVersion) {
  HistoryWindow window(4);
  window.reset(10);
  EXPECT_EQ(window.start(), 10u);
  EXPECT_EQ(window.end(), 10u);
  EXPECT_FALSE(window.holds(10));
  EXPECT_FALSE(window.find("a", 1));
}

TEST(HistoryWindow, FindsEveryOpItHoldsByClientAndSeq) {
  HistoryWindow window(100);
  window.reset(0);
  for (std::uint64_t v = 0; v < 50; ++v)
    window.push(op_at(v, "client-" + std::to_string(v % 7), v));
  for (std::uint64_t v = 0; v < 50; ++v) {
    auto found = window.find("client-" + std::to_string(v % 7), v);
    ASSERT_TRUE(found) << v;
    EXPECT_EQ(*found, v);
    EXPECT_EQ(window.at(v).seq, v);
  }
  // Same seq, another client; same client, another seq.
  EXPECT_FALSE(window.find("client-1", 0));
  EXPECT_FALSE(window.find("client-0", 1));
  EXPECT_FALSE(window.find("client-0", 50));
}

TEST(HistoryWindow, DropsTheOldestOpAndItsIndexEntryPastCapacity) {
  HistoryWindow window(3);
  window.reset(5);
  window.push(op_at(5, "a", 1));
  window.push(op_at(6, "b", 1));
  window.push(op_at(7, "a", 2));
  window.push(op_at(8, "b", 2));
  EXPECT_EQ(window.start(), 6u);
  EXPECT_EQ(window.end(), 9u);
  EXPECT_EQ(window.size(), 3u);
  EXPECT_FALSE(window.find("a", 1));
  EXPECT_EQ(window.find("b", 1), 6u);
  EXPECT_EQ(window.find("a", 2), 7u);
  EXPECT_EQ(window.find("b", 2), 8u);
}

TEST(HistoryWindow, ClientIdsThatOnlyDifferPastTheInlineBufferStayDistinct) {
  HistoryWindow window(10);
  window.reset(0);
  const std::string prefix(40, 'x');
  window.push(op_at(0, prefix + "1", 7));
  window.push(op_at(1, prefix + "2", 7));
  EXPECT_EQ(window.find(prefix + "1", 7), 0u);
  EXPECT_EQ(window.find(prefix + "2", 7), 1u);
  EXPECT_FALSE(window.find(prefix + "3", 7));
}

TEST(HistoryWindow, ReleaseEmptiesItAtTheCurrentVersionAndItFillsAgain) {
  HistoryWindow window(8);
  window.reset(0);
  for (std::uint64_t v = 0; v < 20; ++v) window.push(op_at(v, "a", v + 1));
  window.release();
  EXPECT_EQ(window.size(), 0u);
  EXPECT_EQ(window.start(), 20u);
  EXPECT_EQ(window.end(), 20u);
  EXPECT_FALSE(window.find("a", 20));
  window.push(op_at(20, "b", 1));
  EXPECT_EQ(window.start(), 20u);
  EXPECT_EQ(window.find("b", 1), 20u);
}

TEST(HistoryWindow, SurvivesManyRehashesUnderEviction) {
  HistoryWindow window(1000);
  window.reset(0);
  for (std::uint64_t v = 0; v < 10'000; ++v) window.push(op_at(v, std::to_string(v % 13), v));
  EXPECT_EQ(window.start(), 9000u);
  for (std::uint64_t v = 0; v < 10'000; ++v) {
    auto found = window.find(std::to_string(v % 13), v);
    if (v < 9000) {
      EXPECT_FALSE(found) << v;
    } else {
      EXPECT_EQ(found, v);
    }
  }
}

}  // namespace
}  // namespace tandem::collab

namespace tandem::collab {
namespace {

TEST(HistoryWindow, PrependsOpsReadBackUpToFourTimesItsCapacity) {
  HistoryWindow window(2);
  window.reset(0);
  for (std::uint64_t v = 0; v < 12; ++v) window.push(op_at(v, "a", v + 1));
  ASSERT_EQ(window.start(), 10u);
  std::vector<AppliedOp> older;
  for (std::uint64_t v = 3; v < 10; ++v) older.push_back(op_at(v, "b", v));
  window.prepend(std::move(older));
  // Room for 8 in all: the 6 newest read back join the 2 held.
  EXPECT_EQ(window.start(), 4u);
  EXPECT_EQ(window.size(), 8u);
  EXPECT_EQ(window.find("b", 4), 4u);
  EXPECT_EQ(window.find("b", 9), 9u);
  EXPECT_FALSE(window.find("b", 3));
  EXPECT_EQ(window.at(9).client, "b");
  EXPECT_EQ(window.at(10).client, "a");
  // It stays that large while ops keep coming: each push drops the oldest.
  window.push(op_at(12, "a", 13));
  EXPECT_EQ(window.start(), 5u);
  EXPECT_FALSE(window.find("b", 4));
  EXPECT_EQ(window.find("a", 13), 12u);
}

TEST(HistoryWindow, PrependStopsAtAGapAndIgnoresOpsItHolds) {
  HistoryWindow window(10);
  window.reset(5);
  window.push(op_at(5, "a", 1));
  window.prepend({op_at(1, "x", 1), op_at(3, "x", 3)});  // 4 is missing: nothing fits
  EXPECT_EQ(window.start(), 5u);
  window.prepend({op_at(3, "x", 3), op_at(4, "x", 4)});
  EXPECT_EQ(window.start(), 3u);
  EXPECT_EQ(window.find("x", 3), 3u);
  window.release();
  EXPECT_EQ(window.start(), 6u);
  window.prepend({op_at(5, "y", 1)});  // an empty window takes ops that end at its version
  EXPECT_EQ(window.find("y", 1), 5u);
}

}  // namespace
}  // namespace tandem::collab
