// Properties over random documents and ops with fixed seeds: convergence of transform,
// equivalence of compose, transform_position against a model, and UTF-8 validity.

#include <gtest/gtest.h>

#include "ot/apply.hpp"
#include "ot/compose.hpp"
#include "ot/op_json.hpp"
#include "ot/position.hpp"
#include "ot/rope.hpp"
#include "ot/transform.hpp"
#include "ot/validate.hpp"
#include "ot_test_support.hpp"

namespace tandem::ot {
namespace {

using test::json;
using test::utf8;

constexpr int kCases = 20'000;

std::string must_apply(std::string_view doc, const Op& op) {
  auto result = ot::apply(doc, op);
  EXPECT_TRUE(result.ok()) << json(op) << ": " << (result.ok() ? "" : result.error().message);
  return result.ok() ? std::move(result).value() : std::string();
}

TEST(PropertyTest, RandomOpsAreValid) {
  test::Random random(1);
  for (int i = 0; i < kCases; ++i) {
    const Op op = random.op(random.below(30));
    ASSERT_TRUE(check_op(op, Limits{}).ok()) << json(op);
    ASSERT_EQ(normalize(op), op);
    auto decoded = decode_op(json(op));
    ASSERT_TRUE(decoded.ok());
    ASSERT_EQ(*decoded, op);
  }
}

TEST(PropertyTest, TransformConverges) {
  test::Random random(42);
  for (int i = 0; i < kCases; ++i) {
    const std::string doc = utf8(random.text(random.below(20)));
    const std::uint64_t length = count_code_points(doc);
    const Op a = random.op(length);
    const Op b = random.op(length);
    const Op b_after_a = transform(b, a, Side::kRight);
    const Op a_after_b = transform(a, b, Side::kLeft);
    ASSERT_TRUE(check_op(b_after_a, Limits{}).ok()) << json(b_after_a);
    ASSERT_TRUE(check_op(a_after_b, Limits{}).ok()) << json(a_after_b);
    const std::string left = must_apply(must_apply(doc, a), b_after_a);
    const std::string right = must_apply(must_apply(doc, b), a_after_b);
    ASSERT_EQ(left, right) << "doc " << doc << " a " << json(a) << " b " << json(b);
    ASSERT_TRUE(is_valid_utf8(left));
    // Both histories also agree when composed into one op each.
    ASSERT_EQ(must_apply(doc, compose(a, b_after_a)), must_apply(doc, compose(b, a_after_b)));
  }
}

TEST(PropertyTest, ComposeEqualsApplyingInTurn) {
  test::Random random(43);
  for (int i = 0; i < kCases; ++i) {
    const std::string doc = utf8(random.text(random.below(20)));
    const Op a = random.op(count_code_points(doc));
    const std::string middle = must_apply(doc, a);
    const Op b = random.op(count_code_points(middle));
    const Op ab = compose(a, b);
    ASSERT_TRUE(check_op(ab, Limits{}).ok()) << json(ab);
    ASSERT_EQ(must_apply(middle, b), must_apply(doc, ab))
        << "doc " << doc << " a " << json(a) << " b " << json(b) << " ab " << json(ab);
  }
}

TEST(PropertyTest, ComposeIsAssociative) {
  test::Random random(44);
  for (int i = 0; i < kCases / 4; ++i) {
    const std::string doc = utf8(random.text(random.below(20)));
    const Op a = random.op(count_code_points(doc));
    const std::string d1 = must_apply(doc, a);
    const Op b = random.op(count_code_points(d1));
    const Op c = random.op(count_code_points(must_apply(d1, b)));
    ASSERT_EQ(compose(compose(a, b), c), compose(a, compose(b, c)));
  }
}

// Where a cursor lands: old text before it that survives, plus text inserted at an old
// position strictly before it (text inserted exactly at the cursor goes after it).
std::uint64_t model_position(std::uint64_t cursor, const Op& op) {
  std::uint64_t old_pos = 0;
  std::uint64_t result = 0;
  for (const Component& c : op) {
    if (c.is_insert()) {
      if (old_pos < cursor) result += c.length();
    } else {
      const std::uint64_t before = old_pos < cursor ? std::min(c.length(), cursor - old_pos) : 0;
      if (c.is_skip()) result += before;
      old_pos += c.length();
    }
  }
  if (old_pos < cursor) result += cursor - old_pos;  // the untouched tail
  return result;
}

TEST(PropertyTest, TransformPositionMatchesModelAndInsertTransform) {
  test::Random random(45);
  for (int i = 0; i < kCases; ++i) {
    const std::uint64_t length = random.below(20);
    const Op op = random.op(length);
    const std::uint64_t out_length = length - input_length(op) + output_length(op);
    std::uint64_t previous = 0;
    for (std::uint64_t cursor = 0; cursor <= length; ++cursor) {
      const std::uint64_t moved = transform_position(cursor, op);
      ASSERT_EQ(moved, model_position(cursor, op)) << cursor << " " << json(op);
      ASSERT_LE(moved, out_length);
      ASSERT_GE(moved, previous);  // cursors keep their order
      previous = moved;
      // A cursor lands where text typed at it would land, transformed on the left.
      Op typed;
      append_skip(typed, cursor);
      append_insert(typed, "|", 1);
      const Op moved_typing = transform(typed, op, Side::kLeft);
      const std::uint64_t typed_at =
          moved_typing.front().is_skip() ? moved_typing.front().length() : 0;
      ASSERT_EQ(typed_at, moved) << cursor << " " << json(op);
    }
  }
}

TEST(PropertyTest, RopeApplyMatchesStringApply) {
  test::Random random(46);
  std::string text = utf8(random.text(500));
  Rope rope(text);
  for (int i = 0; i < kCases / 2; ++i) {
    const Op op = random.op(rope.length());
    ASSERT_TRUE(ot::apply(rope, op).ok());
    text = must_apply(text, op);
    if (i % 500 == 0) {
      ASSERT_EQ(rope.to_string(), text);
      ASSERT_TRUE(rope.check_invariants());
    }
  }
  EXPECT_EQ(rope.to_string(), text);
}

}  // namespace
}  // namespace tandem::ot
