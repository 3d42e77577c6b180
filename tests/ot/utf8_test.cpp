#include "ot/utf8.hpp"

#include <gtest/gtest.h>

#include "ot_test_support.hpp"

namespace tandem::ot {
namespace {

using test::utf8;

TEST(Utf8Test, CountsCodePointsOfEveryLength) {
  EXPECT_EQ(*validate_utf8(""), 0u);
  EXPECT_EQ(*validate_utf8("hello, world"), 12u);
  EXPECT_EQ(*validate_utf8("\xC3\xA9"), 1u);                  // é
  EXPECT_EQ(*validate_utf8("\xE4\xB8\xAD\xE6\x96\x87"), 2u);  // 中文
  EXPECT_EQ(*validate_utf8("\xF0\x9F\x98\x80"), 1u);          // 😀
  EXPECT_EQ(*validate_utf8("e\xCC\x81"), 2u);                 // e + combining acute
  EXPECT_EQ(count_code_points("a\xF0\x9F\x98\x80"
                              "bcdefghijk\xC3\xA9"),
            13u);
}

TEST(Utf8Test, RejectsMalformedSequences) {
  const char* cases[] = {
      "\x80",                      // continuation without lead
      "\xC0\x80",                  // overlong NUL
      "\xC1\xBF",                  // overlong
      "\xE0\x80\x80",              // overlong 3-byte
      "\xF0\x80\x80\x80",          // overlong 4-byte
      "\xED\xA0\x80",              // U+D800 encoded (CESU-8 style lone surrogate)
      "\xED\xBF\xBF",              // U+DFFF encoded
      "\xED\xA0\xBD\xED\xB8\x80",  // surrogate pair encoded as two 3-byte sequences
      "\xF4\x90\x80\x80",          // above U+10FFFF
      "\xF5\x80\x80\x80",          // never valid lead
      "\xFF",
      "\xC3",          // truncated
      "\xE4\xB8",      // truncated
      "\xF0\x9F\x98",  // truncated
      "\xC3\x28",      // bad continuation
      "abcdefgh\xC3",  // truncated after an ASCII word
  };
  for (const char* text : cases) {
    auto result = validate_utf8(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidUtf8);
    EXPECT_EQ(result.error().code_name(), "invalid_utf8");
  }
}

TEST(Utf8Test, ErrorNamesTheByteOffsetAndReason) {
  auto result = validate_utf8("abc\xED\xA0\x80");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("byte 3"), std::string::npos);
  EXPECT_NE(result.error().message.find("surrogate"), std::string::npos);
}

TEST(Utf8Test, AcceptsBoundaryScalars) {
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF
  EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));      // U+E000
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF"));      // U+FFFF
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(is_valid_utf8(std::string_view("\0", 1)));
}

TEST(Utf8Test, AppendUtf8RoundTrips) {
  const std::u32string text = U"a\u00e9\u4e2d\U0001F600\U0010FFFF";
  const std::string encoded = utf8(text);
  EXPECT_EQ(encoded, "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF");
  EXPECT_EQ(*validate_utf8(encoded), text.size());
}

TEST(Utf8Test, ByteOffsetOfCodePoints) {
  const std::string text = utf8(U"ab\u00e9\u4e2d\U0001F600xyzxyzxyzxyz\U0001F600q");
  EXPECT_EQ(byte_offset_of(text, 0), 0u);
  EXPECT_EQ(byte_offset_of(text, 2), 2u);
  EXPECT_EQ(byte_offset_of(text, 3), 4u);
  EXPECT_EQ(byte_offset_of(text, 4), 7u);
  EXPECT_EQ(byte_offset_of(text, 5), 11u);
  EXPECT_EQ(byte_offset_of(text, 17), 23u);
  EXPECT_EQ(byte_offset_of(text, 18), 27u);
  EXPECT_EQ(byte_offset_of(text, 19), text.size());
  EXPECT_EQ(byte_offset_of(text, 100), text.size());
  // Agrees with a byte-by-byte count at every position.
  for (std::size_t k = 0; k <= 19; ++k) {
    EXPECT_EQ(count_code_points(std::string_view(text).substr(0, byte_offset_of(text, k))), k);
  }
}

TEST(Utf8Test, FloorBoundaryNeverSplitsASequence) {
  const std::string text = utf8(U"a\U0001F600b");
  EXPECT_EQ(floor_code_point_boundary(text, 0), 0u);
  EXPECT_EQ(floor_code_point_boundary(text, 1), 1u);
  EXPECT_EQ(floor_code_point_boundary(text, 2), 1u);
  EXPECT_EQ(floor_code_point_boundary(text, 4), 1u);
  EXPECT_EQ(floor_code_point_boundary(text, 5), 5u);
  EXPECT_EQ(floor_code_point_boundary(text, 99), text.size());
}

TEST(Utf8Test, Utf16Lengths) {
  const std::string text = utf8(U"a\U0001F600\u4e2d");
  EXPECT_EQ(utf16_length(text), 4u);
  EXPECT_EQ(utf16_offset_to_code_points(text, 0), 0u);
  EXPECT_EQ(utf16_offset_to_code_points(text, 1), 1u);
  EXPECT_EQ(utf16_offset_to_code_points(text, 2), 1u);  // inside the pair rounds down
  EXPECT_EQ(utf16_offset_to_code_points(text, 3), 2u);
  EXPECT_EQ(utf16_offset_to_code_points(text, 4), 3u);
  EXPECT_EQ(utf16_offset_to_code_points(text, 9), 3u);
}

}  // namespace
}  // namespace tandem::ot
