#include "server/security/origin_policy.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace tandem::server::security {
namespace {

const OriginPolicy kSameOrigin{{}};

TEST(OriginPolicyTest, MissingOriginIsAllowed) {
  EXPECT_TRUE(kSameOrigin.allows("", "example.com", false));
  EXPECT_TRUE(kSameOrigin.allows("  ", "example.com", false));
}

TEST(OriginPolicyTest, SameOriginIsAllowedByDefault) {
  EXPECT_TRUE(kSameOrigin.allows("http://localhost:8080", "localhost:8080", false));
  EXPECT_TRUE(kSameOrigin.allows("https://app.example.com", "app.example.com", true));
  EXPECT_TRUE(kSameOrigin.allows("http://127.0.0.1:8080", "127.0.0.1:8080", false));
}

TEST(OriginPolicyTest, OtherOriginsAreRefusedByDefault) {
  EXPECT_FALSE(kSameOrigin.allows("http://evil.example", "localhost:8080", false));
  EXPECT_FALSE(kSameOrigin.allows("http://localhost:8081", "localhost:8080", false));
  EXPECT_FALSE(kSameOrigin.allows("http://app.example.com.evil", "app.example.com", false));
  EXPECT_FALSE(kSameOrigin.allows("http://sub.app.example.com", "app.example.com", false));
}

TEST(OriginPolicyTest, SchemeMustMatchTheRequest) {
  EXPECT_FALSE(kSameOrigin.allows("http://app.example.com", "app.example.com", true));
  EXPECT_FALSE(kSameOrigin.allows("https://app.example.com", "app.example.com", false));
}

TEST(OriginPolicyTest, DefaultPortsAreNormalised) {
  EXPECT_TRUE(kSameOrigin.allows("http://example.com:80", "example.com", false));
  EXPECT_TRUE(kSameOrigin.allows("http://example.com", "example.com:80", false));
  EXPECT_TRUE(kSameOrigin.allows("https://example.com:443", "example.com", true));
  EXPECT_TRUE(kSameOrigin.allows("https://example.com", "example.com:443", true));
  EXPECT_FALSE(kSameOrigin.allows("https://example.com", "example.com:80", true));
  EXPECT_FALSE(kSameOrigin.allows("http://example.com:443", "example.com", false));
}

TEST(OriginPolicyTest, HostsCompareCaseInsensitively) {
  EXPECT_TRUE(kSameOrigin.allows("HTTP://App.Example.COM", "app.example.com", false));
  EXPECT_TRUE(kSameOrigin.allows("http://app.example.com", "APP.example.com", false));
}

TEST(OriginPolicyTest, Ipv6LiteralsCompareByAddress) {
  EXPECT_TRUE(kSameOrigin.allows("http://[::1]:8080", "[::1]:8080", false));
  EXPECT_TRUE(kSameOrigin.allows("http://[0:0:0:0:0:0:0:1]:8080", "[::1]:8080", false));
  EXPECT_TRUE(kSameOrigin.allows("http://[2001:DB8::1]", "[2001:db8::1]:80", false));
  EXPECT_FALSE(kSameOrigin.allows("http://[::2]:8080", "[::1]:8080", false));
}

TEST(OriginPolicyTest, NullAndGarbageAreRefused) {
  for (const std::string_view origin : {
           "null",
           "foo",
           "http://",
           "http:///",
           "//localhost:8080",
           "localhost:8080",
           "http://localhost:8080/",
           "http://localhost:8080/path",
           "http://localhost:8080?x=1",
           "http://localhost:8080#f",
           "http://user@localhost:8080",
           "http://user:pw@localhost:8080",
           "ftp://localhost:8080",
           "ws://localhost:8080",
           "file://",
           "http://localhost:0",
           "http://localhost:65536",
           "http://localhost:",
           "http://localhost:8o80",
           "http://local%68ost:8080",
           "http://localhost:8080 http://localhost:8080",
           "http://localhost:8080,http://localhost:8080",
           "http://[::1",
       }) {
    EXPECT_FALSE(kSameOrigin.allows(origin, "localhost:8080", false)) << origin;
  }
}

TEST(OriginPolicyTest, UnparsableHostRefusesABrowserRequest) {
  EXPECT_FALSE(kSameOrigin.allows("http://localhost:8080", "", false));
  EXPECT_FALSE(kSameOrigin.allows("http://localhost:8080", "user@localhost:8080", false));
  EXPECT_FALSE(kSameOrigin.allows("http://localhost:8080", "localhost:8080/x", false));
  EXPECT_FALSE(kSameOrigin.allows("http://localhost:8080", "localhost:99999", false));
}

TEST(OriginPolicyTest, ListedOriginsAreAllowedBesidesTheOwnOne) {
  const OriginPolicy policy({"https://app.example.com", "HTTP://Localhost:5173/"});
  EXPECT_TRUE(policy.allows("https://app.example.com", "tandem.internal:8080", false));
  EXPECT_TRUE(policy.allows("https://app.example.com:443", "tandem.internal:8080", false));
  EXPECT_TRUE(policy.allows("http://localhost:5173", "tandem.internal:8080", false));
  EXPECT_TRUE(policy.allows("http://tandem.internal:8080", "tandem.internal:8080", false));
  EXPECT_FALSE(policy.allows("http://app.example.com", "tandem.internal:8080", false));
  EXPECT_FALSE(policy.allows("https://app.example.com:8443", "tandem.internal:8080", false));
  EXPECT_FALSE(policy.allows("http://localhost:5174", "tandem.internal:8080", false));
  EXPECT_FALSE(policy.allows("null", "tandem.internal:8080", false));
  EXPECT_EQ(policy.allowed(),
            (std::vector<std::string>{"https://app.example.com:443", "http://localhost:5173"}));
}

TEST(OriginPolicyTest, StarAllowsAnyWellFormedOrigin) {
  const OriginPolicy policy({"*"});
  EXPECT_TRUE(policy.allows_any());
  EXPECT_TRUE(policy.allows("https://anyone.example", "tandem.internal", false));
  EXPECT_TRUE(policy.allows("", "tandem.internal", false));
  EXPECT_FALSE(policy.allows("null", "tandem.internal", false));
  EXPECT_FALSE(policy.allows("garbage", "tandem.internal", false));
}

TEST(OriginPolicyTest, BadEntriesAreConfigurationErrors) {
  for (const std::string_view entry :
       {"app.example.com", "https://app.example.com/path", "null", "", "ftp://x", "https://*.x"}) {
    auto parsed = OriginPolicy::parse({std::string(entry)});
    EXPECT_FALSE(parsed.ok()) << entry;
    if (!parsed.ok()) {
      EXPECT_NE(parsed.error().find(entry), std::string::npos);
    }
  }
  EXPECT_THROW(OriginPolicy({"app.example.com"}), std::invalid_argument);
}

TEST(OriginPolicyTest, NormalisesOrigins) {
  EXPECT_EQ(normalize_origin("HTTPS://Example.COM"), "https://example.com:443");
  EXPECT_EQ(normalize_origin("http://10.0.0.1:8080"), "http://10.0.0.1:8080");
  EXPECT_EQ(normalize_origin("http://[::FFFF:1.2.3.4]"), "http://[::ffff:1.2.3.4]:80");
  EXPECT_EQ(normalize_origin("https://example.com/"), std::nullopt);
  EXPECT_EQ(normalize_origin("https://example.com/", true), "https://example.com:443");
  EXPECT_EQ(request_origin("Example.com:8443", true), "https://example.com:8443");
  EXPECT_EQ(request_origin(" example.com ", false), "http://example.com:80");
}

}  // namespace
}  // namespace tandem::server::security
