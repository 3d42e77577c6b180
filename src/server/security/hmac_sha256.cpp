#include "server/security/hmac_sha256.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <climits>
#include <cstdlib>

namespace tandem::server::security {

Sha256Digest hmac_sha256(std::string_view key, std::string_view data) {
  // OpenSSL wants non-null pointers even for empty inputs.
  static const unsigned char kEmpty = 0;
  const auto* key_bytes =
      key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  const auto* data_bytes =
      data.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(data.data());
  // HMAC takes an int key length; a secret of 2 GiB is a configuration bug.
  if (key.size() > static_cast<std::size_t>(INT_MAX)) std::abort();
  Sha256Digest digest{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()), data_bytes, data.size(),
           digest.data(), &length) == nullptr ||
      length != digest.size()) {
    // Only an OpenSSL build without SHA-256 gets here; no token could ever be checked.
    std::abort();
  }
  return digest;
}

bool digest_equals(const Sha256Digest& a, std::string_view b) {
  if (b.size() != a.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tandem::server::security
