#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ot/result.hpp"

namespace tandem::ot {

// Positions in ops count Unicode code points. Text is held as UTF-8; surrogate code points
// (U+D800..U+DFFF) are never valid, so every code point maps to exactly one or two UTF-16
// units and JavaScript clients can convert offsets without ambiguity.

inline bool is_utf8_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }
inline bool is_surrogate(char32_t code_point) {
  return code_point >= 0xD800 && code_point <= 0xDFFF;
}

// Checks `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF)
// and returns its length in code points, or an invalid_utf8 error naming the byte offset.
Result<std::size_t> validate_utf8(std::string_view text);
bool is_valid_utf8(std::string_view text);

// Appends the UTF-8 form of a Unicode scalar value (not a surrogate, at most U+10FFFF).
void append_utf8(std::string& out, char32_t code_point);

// The following take text already known to be valid UTF-8.

std::size_t count_code_points(std::string_view text);

// Byte offset of the code point at index `code_points`; text.size() if it is past the end.
std::size_t byte_offset_of(std::string_view text, std::size_t code_points);

// The largest code point boundary <= byte_offset (so a cut there never splits a sequence).
std::size_t floor_code_point_boundary(std::string_view text, std::size_t byte_offset);

// Length of the text in UTF-16 code units (code points above U+FFFF take two).
std::size_t utf16_length(std::string_view text);

// Code point index corresponding to a UTF-16 offset, for clients counting in UTF-16 units.
// An offset inside a surrogate pair rounds down; one past the end clamps to the length.
std::size_t utf16_offset_to_code_points(std::string_view text, std::size_t utf16_offset);

}  // namespace tandem::ot
