#include "ot/transform.hpp"

#include <gtest/gtest.h>

#include "ot/apply.hpp"
#include "ot_test_support.hpp"

namespace tandem::ot {
namespace {

using test::json;
using test::op;

std::string tf(std::string_view a, std::string_view b, Side side) {
  return json(transform(op(a), op(b), side));
}

// Expected values below come from the npm package ot-text-unicode 4.0.0.
TEST(TransformTest, ConcurrentInsertsAtOnePlaceBreakTiesBySide) {
  EXPECT_EQ(tf(R"([1, "x"])", R"([1, "y"])", Side::kLeft), R"([1,"x"])");
  EXPECT_EQ(tf(R"([1, "x"])", R"([1, "y"])", Side::kRight), R"([2,"x"])");
}

TEST(TransformTest, OverlappingDeletes) {
  EXPECT_EQ(tf(R"([1, {"d": 2}])", R"([2, {"d": 2}])", Side::kLeft), R"([1,{"d":1}])");
  EXPECT_EQ(tf(R"([{"d": 3}])", R"([{"d": 3}])", Side::kLeft), "[]");
}

TEST(TransformTest, InsertInsideDeletedTextSurvives) {
  EXPECT_EQ(tf(R"([1, "x"])", R"([{"d": 3}])", Side::kLeft), R"(["x"])");
}

TEST(TransformTest, AstralCharactersCountOnce) {
  EXPECT_EQ(tf(R"([2, "😀", {"d": 1}])", R"([1, "🎉", {"d": 2}])", Side::kRight), R"([2,"😀"])");
}

TEST(TransformTest, UnmergedInsertsAreTakenOneAtATimeLikeTheReference) {
  EXPECT_EQ(tf(R"(["a", "b"])", R"(["x"])", Side::kLeft), R"(["a",1,"b"])");
  EXPECT_EQ(tf(R"(["ab"])", R"(["x"])", Side::kLeft), R"(["ab"])");
  EXPECT_EQ(tf(R"(["X", "Y"])", R"(["a", "b"])", Side::kLeft), R"(["X",1,"Y"])");
  EXPECT_EQ(tf(R"(["X", "Y"])", R"(["ab"])", Side::kLeft), R"(["X",2,"Y"])");
}

TEST(TransformTest, ConvergenceNeedsNormalisedOps) {
  // The reference diverges here too: taking "x" and "y" one at a time lets "z" in between
  // on one side only. normalize() (merging "x", "y" into "xy") restores convergence.
  const Op a = op(R"(["x", "y"])");
  const Op b = op(R"(["z"])");
  EXPECT_EQ(*ot::apply(*ot::apply("", a), transform(b, a, Side::kRight)), "xyz");
  EXPECT_EQ(*ot::apply(*ot::apply("", b), transform(a, b, Side::kLeft)), "xzy");
  const Op merged = normalize(a);
  EXPECT_EQ(*ot::apply(*ot::apply("", merged), transform(b, merged, Side::kRight)),
            *ot::apply(*ot::apply("", b), transform(merged, b, Side::kLeft)));
}

TEST(TransformTest, AgainstNoopIsIdentity) {
  EXPECT_EQ(tf(R"([3, "x", {"d": 2}])", "[]", Side::kLeft), R"([3,"x",{"d":2}])");
  EXPECT_EQ(tf("[]", R"([3, "x", {"d": 2}])", Side::kRight), "[]");
}

TEST(TransformTest, Converges) {
  const std::string doc = "héllo 😀 wörld";
  const Op a = op(R"([2, {"d": 3}, "ab", 2, "😀"])");
  const Op b = op(R"([1, "中", 3, {"d": 4}, "z"])");
  const auto ab = ot::apply(*ot::apply(doc, a), transform(b, a, Side::kRight));
  const auto ba = ot::apply(*ot::apply(doc, b), transform(a, b, Side::kLeft));
  ASSERT_TRUE(ab.ok());
  ASSERT_TRUE(ba.ok());
  EXPECT_EQ(*ab, *ba);
}

}  // namespace
}  // namespace tandem::ot
