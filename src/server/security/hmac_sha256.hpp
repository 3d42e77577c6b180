#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace tandem::server::security {

inline constexpr std::size_t kSha256Bytes = 32;

using Sha256Digest = std::array<unsigned char, kSha256Bytes>;

// HMAC-SHA256 (RFC 2104) of `data` under `key`, computed by OpenSSL.
Sha256Digest hmac_sha256(std::string_view key, std::string_view data);

// Compares in time that depends only on the length, so a forger learns nothing from timing.
bool digest_equals(const Sha256Digest& a, std::string_view b);

}  // namespace tandem::server::security
