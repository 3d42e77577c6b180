#include "ot/validate.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "ot/op_json.hpp"
#include "ot_test_support.hpp"

namespace tandem::ot {
namespace {

// Decoding `text` fails with `code`.
void expect_rejected(std::string_view text, ErrorCode code, const Limits& limits = {}) {
  auto decoded = decode_op(text, limits);
  ASSERT_FALSE(decoded.ok()) << text;
  EXPECT_EQ(decoded.error().code_name(), error_code_name(code))
      << text << " -> " << decoded.error().message;
  EXPECT_FALSE(decoded.error().message.empty());
}

TEST(ValidateTest, MalformedJson) {
  expect_rejected("", ErrorCode::kInvalidJson);
  expect_rejected("[1,", ErrorCode::kInvalidJson);
  expect_rejected("[1] x", ErrorCode::kInvalidJson);
  expect_rejected("[NaN]", ErrorCode::kInvalidJson);
  expect_rejected("[[[[[[[[[[1]]]]]]]]]]", ErrorCode::kInvalidJson);
}

TEST(ValidateTest, OpMustBeAnArray) {
  expect_rejected("{}", ErrorCode::kBadOp);
  expect_rejected("\"abc\"", ErrorCode::kBadOp);
  expect_rejected("3", ErrorCode::kBadOp);
  expect_rejected("null", ErrorCode::kBadOp);
}

TEST(ValidateTest, ComponentsOfWrongType) {
  expect_rejected("[true]", ErrorCode::kBadComponent);
  expect_rejected("[null]", ErrorCode::kBadComponent);
  expect_rejected("[[1]]", ErrorCode::kBadComponent);
  expect_rejected("[{}]", ErrorCode::kBadComponent);
  expect_rejected(R"([{"i": "x"}])", ErrorCode::kBadComponent);
  expect_rejected(R"([{"d": 1, "x": 2}])", ErrorCode::kBadComponent);
  expect_rejected(R"([{"d": true}])", ErrorCode::kBadComponent);
  expect_rejected(R"([{"d": null}])", ErrorCode::kBadComponent);
  expect_rejected(R"([{"d": [1]}])", ErrorCode::kBadComponent);
}

TEST(ValidateTest, NegativeFractionalAndHugeNumbers) {
  expect_rejected("[-1, \"x\"]", ErrorCode::kBadNumber);
  expect_rejected("[1.5, \"x\"]", ErrorCode::kBadNumber);
  expect_rejected("[1e300, \"x\"]", ErrorCode::kBadNumber);
  expect_rejected("[9007199254740992, \"x\"]", ErrorCode::kBadNumber);  // 2^53
  expect_rejected("[18446744073709551615, \"x\"]", ErrorCode::kBadNumber);
  expect_rejected(R"([{"d": -2}])", ErrorCode::kBadNumber);
  expect_rejected(R"([{"d": 0.5}])", ErrorCode::kBadNumber);
  EXPECT_TRUE(decode_op("[9007199254740991, \"x\"]").ok());  // 2^53 - 1
}

TEST(ValidateTest, EmptyComponentsAreRejectedLikeTheReference) {
  expect_rejected("[0, \"x\"]", ErrorCode::kEmptyComponent);
  expect_rejected("[-0, \"x\"]", ErrorCode::kEmptyComponent);
  expect_rejected("[\"\"]", ErrorCode::kEmptyComponent);
  expect_rejected(R"([{"d": 0}])", ErrorCode::kEmptyComponent);
  expect_rejected(R"([{"d": ""}])", ErrorCode::kEmptyComponent);
}

TEST(ValidateTest, SkipsMustBeMergedAndNotTrailing) {
  expect_rejected("[1, 2, \"x\"]", ErrorCode::kAdjacentSkips);
  expect_rejected("[3]", ErrorCode::kTrailingSkip);
  expect_rejected("[\"x\", 3]", ErrorCode::kTrailingSkip);
}

TEST(ValidateTest, InvalidUtf8AndSurrogates) {
  expect_rejected("[\"\xFF\"]", ErrorCode::kInvalidUtf8);
  expect_rejected("[\"\xED\xA0\x80\"]", ErrorCode::kInvalidUtf8);  // encoded U+D800
  expect_rejected("[{\"d\": \"\xC0\xAF\"}]", ErrorCode::kInvalidUtf8);
  expect_rejected(R"(["\ud800"])", ErrorCode::kLoneSurrogate);
  expect_rejected(R"(["\udc00"])", ErrorCode::kLoneSurrogate);
  expect_rejected(R"(["a\ud83dz"])", ErrorCode::kLoneSurrogate);
  expect_rejected(R"([{"d": "\ud83d"}])", ErrorCode::kLoneSurrogate);
}

TEST(ValidateTest, Limits) {
  Limits limits;
  limits.max_components = 3;
  limits.max_inserted_bytes = 4;
  limits.max_json_bytes = 40;
  expect_rejected(R"(["a", 1, "b", 1, "c"])", ErrorCode::kOpTooLarge, limits);
  expect_rejected(R"(["abc", 1, "de"])", ErrorCode::kOpTooLarge, limits);
  expect_rejected(R"(["ab",                                           1, "c"])",
                  ErrorCode::kOpTooLarge, limits);
  EXPECT_TRUE(decode_op(R"(["ab", 1, "cd"])", limits).ok());
}

TEST(ValidateTest, TotalSpanMustStayBelowTwoToThe53) {
  expect_rejected(R"([9007199254740991, {"d": 1}])", ErrorCode::kOpTooLarge);
}

TEST(ValidateTest, CheckOpOnOpsBuiltInMemory) {
  const Limits limits;
  EXPECT_TRUE(check_op({}, limits).ok());
  EXPECT_TRUE(check_op({Component::skip(1), Component::insert("x")}, limits).ok());
  EXPECT_EQ(check_op({Component::skip(0), Component::insert("x")}, limits).error().code,
            ErrorCode::kEmptyComponent);
  EXPECT_EQ(check_op({Component::insert("x"), Component::skip(1)}, limits).error().code,
            ErrorCode::kTrailingSkip);
  EXPECT_EQ(check_op({Component::insert("\xFF")}, limits).error().code, ErrorCode::kInvalidUtf8);
}

TEST(ValidateTest, ErrorCodeNames) {
  EXPECT_EQ(error_code_name(ErrorCode::kInvalidUtf8), "invalid_utf8");
  EXPECT_EQ(error_code_name(ErrorCode::kOpPastEnd), "op_past_end");
  EXPECT_EQ(error_code_name(ErrorCode::kBadComponent), "bad_component");
  EXPECT_EQ(error_code_name(ErrorCode::kOpTooLarge), "op_too_large");
  EXPECT_EQ(error_code_name(ErrorCode::kDocumentTooLarge), "document_too_large");
}

}  // namespace
}  // namespace tandem::ot
