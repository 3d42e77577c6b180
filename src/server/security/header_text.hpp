#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace tandem::server::security {

// A header value without the blanks (space, tab) HTTP allows around it.
inline std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Host names and schemes compare case-insensitively; ASCII is all they may hold.
inline std::string ascii_lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace tandem::server::security
