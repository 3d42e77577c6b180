#include "server/security/base64url.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "server/security/hmac_sha256.hpp"

namespace tandem::server::security {
namespace {

std::string_view as_text(const Sha256Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

std::string hex(const Sha256Digest& digest) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  for (const unsigned char byte : digest) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 15];
  }
  return out;
}

TEST(Base64UrlTest, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  // The two characters where base64url differs from base64.
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
}

TEST(Base64UrlTest, DecodesWhatItEncodes) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t length = 0; length <= all.size(); length += 7) {
    const std::string bytes = all.substr(0, length);
    EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes) << length;
  }
}

TEST(Base64UrlTest, RefusesAnythingButCanonicalUnpaddedBase64Url) {
  EXPECT_FALSE(base64url_decode("Zg=="));  // padding
  EXPECT_FALSE(base64url_decode("+/8"));   // base64, not base64url
  EXPECT_FALSE(base64url_decode("Zm 9v"));
  EXPECT_FALSE(base64url_decode("Zm9vY"));  // a length no byte string encodes to
  EXPECT_FALSE(base64url_decode("Zh"));     // "f" with non-zero unused bits ("Zg" is canonical)
  EXPECT_FALSE(base64url_decode("Zm9"));    // "fo" is "Zm8"
  EXPECT_FALSE(base64url_decode(std::string_view("Zm\0v", 4)));
  EXPECT_EQ(base64url_decode(""), "");
}

// RFC 7515 appendix A.1: the HS256 example, checked with nothing but HMAC and base64url.
TEST(Base64UrlTest, Rfc7515AppendixA1SignatureMatches) {
  const std::string_view jwk_k =
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
  const std::string_view signing_input =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
      "."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0"
      "cnVlfQ";
  const auto key = base64url_decode(jwk_k);
  ASSERT_TRUE(key);
  ASSERT_EQ(key->size(), 64u);
  EXPECT_EQ(base64url_decode("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"),
            "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}");
  const Sha256Digest mac = hmac_sha256(*key, signing_input);
  EXPECT_EQ(base64url_encode(as_text(mac)), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  EXPECT_TRUE(digest_equals(mac, as_text(mac)));
  EXPECT_FALSE(digest_equals(mac, as_text(mac).substr(1)));
  Sha256Digest other = mac;
  other[31] ^= 1;
  EXPECT_FALSE(digest_equals(mac, as_text(other)));
}

// RFC 4231 test case 2: a short key, and HMAC of an empty message under an empty key.
TEST(Base64UrlTest, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hex(hmac_sha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

}  // namespace
}  // namespace tandem::server::security
