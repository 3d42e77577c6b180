#include "ot/compose.hpp"

#include <gtest/gtest.h>

#include "ot/apply.hpp"
#include "ot_test_support.hpp"

namespace tandem::ot {
namespace {

using test::json;
using test::op;

std::string cp(std::string_view a, std::string_view b) { return json(compose(op(a), op(b))); }

// Expected values below come from the npm package ot-text-unicode 4.0.0 (with {"d": "text"}
// reduced to its length).
TEST(ComposeTest, DeletingInsertedTextCancels) {
  EXPECT_EQ(cp(R"([1, "abc"])", R"([2, {"d": 1}])"), R"([1,"ac"])");
  EXPECT_EQ(cp(R"(["😀x"])", R"([1, {"d": 1}])"), R"(["😀"])");
  EXPECT_EQ(cp(R"([2, "hi"])", R"([2, {"d": 2}])"), "[]");
}

TEST(ComposeTest, DeletesAccumulate) {
  EXPECT_EQ(cp(R"([{"d": 2}])", R"([{"d": 1}])"), R"([{"d":3}])");
  EXPECT_EQ(cp(R"([3, "x"])", R"([1, {"d": 5}, "y"])"), R"([1,{"d":4},"y"])");
}

TEST(ComposeTest, InsertAfterDeleteKeepsOrder) {
  EXPECT_EQ(cp(R"([1, {"d": "ab"}])", R"([1, "c"])"), R"([1,"c",{"d":2}])");
}

TEST(ComposeTest, WithNoop) {
  EXPECT_EQ(cp("[]", R"([1, "x"])"), R"([1,"x"])");
  EXPECT_EQ(cp(R"([1, "x"])", "[]"), R"([1,"x"])");
}

TEST(ComposeTest, EquivalentToApplyingInTurn) {
  const std::string doc = "a😀bc中d";
  const Op a = op(R"([1, {"d": 2}, "XY😀", 1, {"d": 1}])");
  const Op b = op(R"([2, {"d": 2}, "🎉", 1, {"d": 1}])");
  EXPECT_EQ(*ot::apply(*ot::apply(doc, a), b), *ot::apply(doc, compose(a, b)));
}

}  // namespace
}  // namespace tandem::ot
