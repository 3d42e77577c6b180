#include "ot/apply.hpp"

#include <gtest/gtest.h>

#include "ot/rope.hpp"
#include "ot_test_support.hpp"

namespace tandem::ot {
namespace {

using test::op;

// Applies through the Rope (the server's path) and through the string overload, which must
// agree; returns the text or the error code name.
std::string run(std::string_view doc, std::string_view op_json, const Limits& limits = {}) {
  const Op o = op(op_json);
  Rope rope(doc);
  auto on_rope = ot::apply(rope, o, limits);
  auto on_string = ot::apply(doc, o, limits);
  EXPECT_EQ(on_rope.ok(), on_string.ok()) << op_json;
  if (!on_string.ok()) {
    EXPECT_EQ(rope.to_string(), doc) << "a failed apply must leave the document unchanged";
    EXPECT_EQ(on_rope.error().code, on_string.error().code);
    return std::string(on_string.error().code_name());
  }
  EXPECT_EQ(rope.to_string(), *on_string);
  EXPECT_TRUE(rope.check_invariants());
  return *on_string;
}

TEST(ApplyTest, ReadmeExample) {
  EXPECT_EQ(run("hi there", R"([3, {"d": 5}, "🤖👻💃"])"), "hi 🤖👻💃");
}

TEST(ApplyTest, InsertSkipDelete) {
  EXPECT_EQ(run("", R"(["abc"])"), "abc");
  EXPECT_EQ(run("abc", R"([3, "d"])"), "abcd");
  EXPECT_EQ(run("abc", R"([{"d": 3}])"), "");
  EXPECT_EQ(run("abc", "[]"), "abc");
  EXPECT_EQ(run("abcdef", R"([1, {"d": 2}, "XY", 1, {"d": 1}])"), "aXYdf");
}

TEST(ApplyTest, PositionsCountCodePoints) {
  EXPECT_EQ(run("h😀llo wörld", R"([1, {"d": 1}, "e", 6, {"d": "ö"}, "o"])"), "hello wöold");
  EXPECT_EQ(run("😀😀😀", R"([1, "中", 1, {"d": 1}])"), "😀中😀");
  // A combining mark is its own code point: deleting one leaves the base letter.
  EXPECT_EQ(run("e\u0301x", R"([1, {"d": 1}])"), "ex");
  EXPECT_EQ(run("👩‍👩‍👧", R"([2, {"d": 3}])"), "👩‍");
  EXPECT_EQ(run("𐍈a", R"([1, "𐍈"])"), "𐍈𐍈a");
}

TEST(ApplyTest, DeleteOfTextUsesOnlyItsLength) {
  EXPECT_EQ(run("hello", R"([{"d": "XY"}])"), "llo");
}

TEST(ApplyTest, SkipOrDeletePastTheEndIsRejected) {
  EXPECT_EQ(run("abc", R"([4, "x"])"), "op_past_end");
  EXPECT_EQ(run("abc", R"([2, {"d": 2}])"), "op_past_end");
  EXPECT_EQ(run("😀", R"([{"d": 2}])"), "op_past_end");
  EXPECT_EQ(run("", R"([{"d": 1}])"), "op_past_end");
  EXPECT_EQ(run("abc", R"(["x", 2, "y", {"d": 2}])"), "op_past_end");
}

TEST(ApplyTest, DocumentSizeLimit) {
  Limits limits;
  limits.max_document_bytes = 4;
  EXPECT_EQ(run("abc", R"(["de"])", limits), "document_too_large");
  EXPECT_EQ(run("abc", R"([{"d": 2}, "de"])", limits), "dec");
  EXPECT_EQ(run("abc", R"(["😀", {"d": 3}])", limits), "😀");
}

TEST(ApplyTest, StringOverloadRejectsInvalidDocuments) {
  auto result = ot::apply(std::string_view("ab\xED\xA0\x80"), op(R"(["x"])"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidUtf8);
  EXPECT_FALSE(Rope::from_utf8("\xF8").ok());
  EXPECT_TRUE(Rope::from_utf8("ok").ok());
}

}  // namespace
}  // namespace tandem::ot
