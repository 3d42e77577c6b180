#include "ot/diff.hpp"

#include <gtest/gtest.h>

#include "ot/apply.hpp"
#include "ot_test_support.hpp"

namespace tandem::ot {
namespace {

using test::json;
using test::utf8;

void expect_diff(std::string_view from, std::string_view to, std::string_view expected) {
  const Op op = diff(from, to);
  EXPECT_EQ(json(op), expected) << from << " -> " << to;
  auto applied = ot::apply(from, op);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, to);
}

TEST(DiffTest, EqualTextsGiveANoop) { expect_diff("same", "same", "[]"); }

TEST(DiffTest, KeepsCommonPrefixAndSuffix) {
  expect_diff("hello world", "hello brave world", R"([6,"brave "])");
  expect_diff("hello brave world", "hello world", R"([6,{"d":6}])");
  expect_diff("abc", "axc", R"([1,{"d":1},"x"])");
  expect_diff("", "new", R"(["new"])");
  expect_diff("old", "", R"([{"d":3}])");
}

TEST(DiffTest, NeverSplitsACodePoint) {
  // 😀 (F0 9F 98 80) and 😁 (F0 9F 98 81) share three bytes.
  expect_diff("a😀b", "a😁b", R"([1,{"d":1},"😁"])");
  // é (C3 A9) and è (C3 A8).
  expect_diff("é", "è", R"([{"d":1},"è"])");
  // 中 (E4 B8 AD) and 中 (E4 B8 AD... differing lead) with a shared last byte.
  expect_diff("x中", "x\xE5\xB8\xAD", R"([1,{"d":1},"席"])");
}

TEST(DiffTest, RepeatedTextPrefersPrefix) {
  expect_diff("aaa", "aaaa", R"([3,"a"])");
  expect_diff("😀😀", "😀", R"([1,{"d":1}])");
}

TEST(DiffTest, RandomPairsRoundTrip) {
  test::Random random(7);
  for (int i = 0; i < 2000; ++i) {
    const std::string from = utf8(random.text(random.below(12)));
    const std::string to = utf8(random.text(random.below(12)));
    const Op op = diff(from, to);
    auto applied = ot::apply(from, op);
    ASSERT_TRUE(applied.ok());
    ASSERT_EQ(*applied, to);
    ASSERT_EQ(normalize(op), op);
  }
}

}  // namespace
}  // namespace tandem::ot
