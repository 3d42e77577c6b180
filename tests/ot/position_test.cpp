#include "ot/position.hpp"

#include <gtest/gtest.h>

#include "ot_test_support.hpp"

namespace tandem::ot {
namespace {

using test::op;

// Expected values below come from the npm package ot-text-unicode 4.0.0.
TEST(PositionTest, InsertBeforeCursorPushesIt) {
  EXPECT_EQ(transform_position(3, op(R"(["X", 2, "Y"])")), 5u);
  EXPECT_EQ(transform_position(2, op(R"([1, "😀😀"])")), 4u);
}

TEST(PositionTest, InsertAtCursorLeavesItBefore) {
  EXPECT_EQ(transform_position(0, op(R"(["abc"])")), 0u);
  EXPECT_EQ(transform_position(2, op(R"([2, "abc"])")), 2u);
}

TEST(PositionTest, CursorInsideDeletedTextMovesToItsStart) {
  EXPECT_EQ(transform_position(5, op(R"([{"d": 10}])")), 0u);
  EXPECT_EQ(transform_position(2, op(R"([1, {"d": 2}, "X"])")), 1u);
  EXPECT_EQ(transform_position(2, op(R"([1, "X", {"d": 2}])")), 2u);
}

TEST(PositionTest, CursorBeforeTheOpIsUnchanged) {
  EXPECT_EQ(transform_position(1, op(R"([4, {"d": 1}, "x"])")), 1u);
  EXPECT_EQ(transform_position(9, op("[]")), 9u);
}

TEST(PositionTest, SelectionsMoveBothEnds) {
  const Op o = op(R"([1, "ab", 2, {"d": 3}])");
  EXPECT_EQ(transform_selection({4, 1}, o), (Selection{5, 1}));
  EXPECT_EQ(transform_selection({2, 6}, o), (Selection{4, 5}));
}

}  // namespace
}  // namespace tandem::ot
