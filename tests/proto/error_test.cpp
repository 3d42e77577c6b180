#include "proto/error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "proto/identifiers.hpp"

namespace tandem::proto {
namespace {

TEST(ErrorTest, NamesAreUniqueSnakeCaseAndParseBack) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(kLastErrorCode); ++i) {
    const auto code = static_cast<ErrorCode>(i);
    const std::string_view name = error_code_name(code);
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_FALSE(name.empty());
    for (const char c : name)
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << name;
    EXPECT_EQ(parse_error_code(name), code);
  }
  EXPECT_EQ(names.size(), 30u);
  EXPECT_FALSE(parse_error_code("Bad_Json"));
  EXPECT_FALSE(parse_error_code(""));
}

TEST(ErrorTest, TheBriefsNames) {
  EXPECT_EQ(error_code_name(ErrorCode::kBadJson), "bad_json");
  EXPECT_EQ(error_code_name(ErrorCode::kMessageTooLarge), "message_too_large");
  EXPECT_EQ(error_code_name(ErrorCode::kResyncRequired), "resync_required");
  EXPECT_EQ(error_code_name(ErrorCode::kDocTooLarge), "doc_too_large");
  EXPECT_EQ(error_code_name(ErrorCode::kRateLimited), "rate_limited");
  EXPECT_EQ(error_code_name(ErrorCode::kTooManyNewDocs), "too_many_new_docs");
  EXPECT_EQ(error_code_name(ErrorCode::kInternal), "internal");
}

TEST(ErrorTest, OtCodesKeepTheirNames) {
  for (int i = 0; i <= static_cast<int>(ot::ErrorCode::kDocumentTooLarge); ++i) {
    const auto code = static_cast<ot::ErrorCode>(i);
    const std::string_view expected = code == ot::ErrorCode::kInvalidJson ? "bad_json"
                                      : code == ot::ErrorCode::kDocumentTooLarge
                                          ? "doc_too_large"
                                          : ot::error_code_name(code);
    EXPECT_EQ(error_code_name(from_ot(code)), expected);
  }
  const Error error = from_ot(ot::Error{ot::ErrorCode::kOpPastEnd, "skips past the end"}, "op");
  EXPECT_EQ(error.code, ErrorCode::kOpPastEnd);
  EXPECT_EQ(error.message, "op: skips past the end");
  EXPECT_EQ(error.code_name(), "op_past_end");
}

TEST(IdentifiersTest, Colors) {
  EXPECT_TRUE(is_valid_color("#000000"));
  EXPECT_TRUE(is_valid_color("#aBcDeF"));
  EXPECT_FALSE(is_valid_color("000000"));
  EXPECT_FALSE(is_valid_color("#00000"));
  EXPECT_FALSE(is_valid_color("#00000g"));
  EXPECT_FALSE(is_valid_color("#fff"));
  EXPECT_FALSE(is_valid_color(""));
}

}  // namespace
}  // namespace tandem::proto
