#include "ot/op_json.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "ot_test_support.hpp"

namespace tandem::ot {
namespace {

using test::json;
using test::op;

TEST(OpJsonTest, DecodesEachComponentKind) {
  const Op decoded = op(R"([3, "hi", {"d": 8}])");
  ASSERT_EQ(decoded.size(), 3u);
  EXPECT_TRUE(decoded[0].is_skip());
  EXPECT_EQ(decoded[0].length(), 3u);
  EXPECT_TRUE(decoded[1].is_insert());
  EXPECT_EQ(decoded[1].text(), "hi");
  EXPECT_EQ(decoded[1].length(), 2u);
  EXPECT_TRUE(decoded[2].is_delete());
  EXPECT_EQ(decoded[2].length(), 8u);
}

TEST(OpJsonTest, DeleteOfTextBecomesItsCodePointLength) {
  const Op decoded = op("[1, {\"d\": \"h\xF0\x9F\x98\x80\"}]");
  ASSERT_EQ(decoded.size(), 2u);
  EXPECT_EQ(decoded[1], Component::remove(2));
  EXPECT_EQ(json(decoded), R"([1,{"d":2}])");
}

TEST(OpJsonTest, EmptyOpIsANoop) { EXPECT_TRUE(op("[]").empty()); }

TEST(OpJsonTest, InsertsCountCodePointsNotBytesOrUtf16Units) {
  const Op decoded = op("[\"\xF0\x9F\x98\x80\xE4\xB8\xAD\"]");  // 😀中
  EXPECT_EQ(decoded[0].length(), 2u);
  // An escaped surrogate pair is one code point too.
  EXPECT_EQ(op(R"(["\ud83d\ude00"])")[0].text(), "\xF0\x9F\x98\x80");
}

TEST(OpJsonTest, IntegralDoublesAreAccepted) {
  EXPECT_EQ(op("[3.0, \"x\"]")[0], Component::skip(3));
  EXPECT_EQ(op("[1e1, \"x\"]")[0], Component::skip(10));
}

TEST(OpJsonTest, EncodesCompactlyAndEscapes) {
  Op o;
  append_skip(o, 2);
  append_insert(o, "a\"b\\c\n\t\x01\xC3\xA9", 9);
  append_delete(o, 4);
  EXPECT_EQ(json(o), "[2,\"a\\\"b\\\\c\\n\\t\\u0001\xC3\xA9\",{\"d\":4}]");
}

TEST(OpJsonTest, RoundTripsThroughTextAndValue) {
  const Op original = op("[5, \"x\xF0\x9F\x98\x80y\", {\"d\": 3}, 2, \"\\u0000\"]");
  auto again = decode_op(encode_op(original));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, original);
  auto from_value = op_from_json(op_to_json(original));
  ASSERT_TRUE(from_value.ok());
  EXPECT_EQ(*from_value, original);
  EXPECT_EQ(boost::json::serialize(op_to_json(original)),
            boost::json::serialize(boost::json::parse(encode_op(original))));
}

TEST(OpJsonTest, MergesUnmergedComponentsUnlessAskedToKeepThem) {
  // ot-text-unicode accepts unmerged inserts and deletes; merged they cannot make transform
  // diverge, kept they reproduce the reference exactly.
  const std::string_view text = R"(["a", "b", {"d": 1}, {"d": "x"}])";
  auto merged = decode_op(text);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(json(*merged), R"(["ab",{"d":2}])");
  EXPECT_TRUE(is_normalized(*merged));
  auto kept = decode_op(text, Limits{}, Boundaries::kKeep);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->size(), 4u);
  EXPECT_FALSE(is_normalized(*kept));
  EXPECT_EQ(normalize(*kept), *merged);
  auto from_value = op_from_json(boost::json::parse(text));
  ASSERT_TRUE(from_value.ok());
  EXPECT_EQ(*from_value, *merged);
  // Merging comes after the checks: what the reference refuses stays refused.
  EXPECT_FALSE(decode_op("[1, 2, \"x\"]").ok());
}

TEST(OpJsonTest, LoneSurrogateEscapeDetection) {
  EXPECT_TRUE(has_lone_surrogate_escape(R"(["\ud800"])"));
  EXPECT_TRUE(has_lone_surrogate_escape(R"(["\udc00x"])"));
  EXPECT_TRUE(has_lone_surrogate_escape(R"(["\ud800\u0041"])"));
  EXPECT_TRUE(has_lone_surrogate_escape(R"(["ok", "\uDBFF"])"));
  EXPECT_FALSE(has_lone_surrogate_escape(R"(["\ud83d\ude00"])"));
  EXPECT_FALSE(has_lone_surrogate_escape(R"(["\\ud800"])"));  // an escaped backslash
  EXPECT_FALSE(has_lone_surrogate_escape(R"(["\u00e9"])"));
}

}  // namespace
}  // namespace tandem::ot
