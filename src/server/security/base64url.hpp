#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tandem::server::security {

// Base64url without padding (RFC 4648 §5, as JWS uses it, RFC 7515 §2).
std::string base64url_encode(std::string_view bytes);

// Strict decoding: only [A-Za-z0-9_-], no padding, no whitespace, and the unused low bits of
// the last character must be zero, so every byte string has exactly one accepted encoding (a
// token cannot be altered without changing its text). nullopt on anything else.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace tandem::server::security
