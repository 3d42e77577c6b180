#include "ot/utf8.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

namespace tandem::ot {
namespace {

constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

std::uint64_t load_word(const char* p) {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// Number of bytes in `word` that start a code point (are not 10xxxxxx).
int lead_bytes_in_word(std::uint64_t word) {
  const std::uint64_t continuation = word & ~(word << 1) & kHighBits;
  return 8 - std::popcount(continuation);
}

Error utf8_error(std::size_t offset, std::string_view reason) {
  std::string message = "invalid UTF-8 at byte ";
  message += std::to_string(offset);
  message += ": ";
  message += reason;
  return make_error(ErrorCode::kInvalidUtf8, std::move(message));
}

}  // namespace

Result<std::size_t> validate_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  std::size_t code_points = 0;
  while (i < size) {
    // ASCII runs are the common case; take them eight bytes at a time.
    if (i + 8 <= size && (load_word(text.data() + i) & kHighBits) == 0) {
      i += 8;
      code_points += 8;
      continue;
    }
    const unsigned char lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      ++code_points;
      continue;
    }
    std::size_t length = 0;
    unsigned char min_second = 0x80;
    unsigned char max_second = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) min_second = 0xA0;  // below is an overlong form
      if (lead == 0xED) max_second = 0x9F;  // above is a surrogate code point
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) min_second = 0x90;  // below is an overlong form
      if (lead == 0xF4) max_second = 0x8F;  // above is beyond U+10FFFF
    } else if (is_utf8_continuation(lead)) {
      return utf8_error(i, "unexpected continuation byte");
    } else if (lead == 0xC0 || lead == 0xC1) {
      return utf8_error(i, "overlong encoding");
    } else {
      return utf8_error(i, "byte never valid in UTF-8");
    }
    if (i + length > size) return utf8_error(i, "truncated sequence");
    const unsigned char second = bytes[i + 1];
    if (second < min_second || second > max_second) {
      if (lead == 0xED && is_utf8_continuation(second)) {
        return utf8_error(i, "surrogate code point (U+D800..U+DFFF) encoded in UTF-8");
      }
      if (lead == 0xF4 && is_utf8_continuation(second)) {
        return utf8_error(i, "code point above U+10FFFF");
      }
      if (is_utf8_continuation(second)) return utf8_error(i, "overlong encoding");
      return utf8_error(i + 1, "expected continuation byte");
    }
    for (std::size_t k = 2; k < length; ++k) {
      if (!is_utf8_continuation(bytes[i + k])) {
        return utf8_error(i + k, "expected continuation byte");
      }
    }
    i += length;
    ++code_points;
  }
  return code_points;
}

bool is_valid_utf8(std::string_view text) { return validate_utf8(text).ok(); }

void append_utf8(std::string& out, char32_t code_point) {
  const auto cp = static_cast<std::uint32_t>(code_point);
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::size_t count_code_points(std::string_view text) {
  std::size_t count = 0;
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    count += static_cast<std::size_t>(lead_bytes_in_word(load_word(text.data() + i)));
  }
  for (; i < text.size(); ++i) {
    if (!is_utf8_continuation(static_cast<unsigned char>(text[i]))) ++count;
  }
  return count;
}

std::size_t byte_offset_of(std::string_view text, std::size_t code_points) {
  std::size_t i = 0;
  // Skip whole words while the wanted lead byte lies beyond them.
  while (i + 8 <= text.size()) {
    const auto leads = static_cast<std::size_t>(lead_bytes_in_word(load_word(text.data() + i)));
    if (leads > code_points) break;
    code_points -= leads;
    i += 8;
  }
  for (; i < text.size(); ++i) {
    if (!is_utf8_continuation(static_cast<unsigned char>(text[i]))) {
      if (code_points == 0) return i;
      --code_points;
    }
  }
  return text.size();
}

std::size_t floor_code_point_boundary(std::string_view text, std::size_t byte_offset) {
  if (byte_offset >= text.size()) return text.size();
  while (byte_offset > 0 && is_utf8_continuation(static_cast<unsigned char>(text[byte_offset]))) {
    --byte_offset;
  }
  return byte_offset;
}

std::size_t utf16_length(std::string_view text) {
  std::size_t units = 0;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (!is_utf8_continuation(byte)) units += byte >= 0xF0 ? 2 : 1;
  }
  return units;
}

std::size_t utf16_offset_to_code_points(std::string_view text, std::size_t utf16_offset) {
  std::size_t units = 0;
  std::size_t code_points = 0;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_utf8_continuation(byte)) continue;
    units += byte >= 0xF0 ? 2 : 1;
    if (units > utf16_offset) break;
    ++code_points;
  }
  return code_points;
}

}  // namespace tandem::ot
