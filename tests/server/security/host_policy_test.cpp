#include "server/security/host_policy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::server::security {
namespace {

HostPolicy policy(const std::vector<std::string>& allowed, bool enforced = true) {
  auto parsed = HostPolicy::parse(allowed, enforced);
  EXPECT_TRUE(parsed.ok()) << parsed.error();
  return std::move(parsed).value();
}

TEST(HostPolicyTest, IpLiteralsAndLocalhostAreAlwaysAllowed) {
  const HostPolicy hosts = policy({});
  for (const char* host :
       {"127.0.0.1", "127.0.0.1:8080", "10.1.2.3:1", "[::1]", "[::1]:8080", "[2001:db8::1]:443",
        "localhost", "localhost:3000", "LocalHost", "app.localhost", "a.b.localhost:1", ""}) {
    EXPECT_TRUE(hosts.allows(host)) << host;
  }
}

TEST(HostPolicyTest, OtherNamesAreRefusedByDefault) {
  const HostPolicy hosts = policy({});
  for (const char* host : {"attacker.example:8080", "example.com", "localhost.example.com",
                           "xlocalhost", "127.0.0.1.nip.io", ".localhost", "user@localhost",
                           "localhost:0", "localhost:99999", "local%68ost", "[v1.x]"}) {
    EXPECT_FALSE(hosts.allows(host)) << host;
  }
}

TEST(HostPolicyTest, EntriesMatchNamesPortsAndSubdomains) {
  const HostPolicy hosts = policy({"notes.example.com", "api.example.com:8443", "*.corp.example"});
  EXPECT_TRUE(hosts.allows("notes.example.com"));
  EXPECT_TRUE(hosts.allows("NOTES.EXAMPLE.COM:80"));
  EXPECT_TRUE(hosts.allows("api.example.com:8443"));
  EXPECT_FALSE(hosts.allows("api.example.com"));
  EXPECT_FALSE(hosts.allows("api.example.com:443"));
  EXPECT_TRUE(hosts.allows("a.corp.example"));
  EXPECT_TRUE(hosts.allows("a.b.corp.example:9"));
  EXPECT_FALSE(hosts.allows("corp.example"));
  EXPECT_FALSE(hosts.allows("acorp.example"));
  EXPECT_FALSE(hosts.allows("notes.example.com.evil.example"));
}

TEST(HostPolicyTest, StarOrNotEnforcedAllowsAnything) {
  EXPECT_TRUE(policy({"*"}).allows("attacker.example"));
  EXPECT_FALSE(policy({"*"}).checks());
  EXPECT_TRUE(policy({}, false).allows("attacker.example"));
}

TEST(HostPolicyTest, OriginHostsCanBeAdded) {
  HostPolicy hosts = policy({});
  hosts.add_name(origin_host("https://app.example.com:443"));
  hosts.add_name(origin_host("http://[::1]:8080"));  // an IP literal: ignored, always allowed
  EXPECT_TRUE(hosts.allows("app.example.com"));
  EXPECT_TRUE(hosts.allows("app.example.com:5173"));
  EXPECT_FALSE(hosts.allows("example.com"));
  EXPECT_EQ(origin_host("https://app.example.com:443"), "app.example.com");
  EXPECT_EQ(origin_host("http://[::1]:8080"), "[::1]");
}

TEST(HostPolicyTest, BadEntriesAreRefusedNamingThem) {
  for (const char* entry : {"bad/host", "a.example:0", "a.example:x", "*", "*.", "*example.com",
                            "http://a.example", "a..", ""}) {
    auto parsed = HostPolicy::parse({entry}, true);
    if (std::string(entry) == "*") {
      EXPECT_TRUE(parsed.ok());
      continue;
    }
    ASSERT_FALSE(parsed.ok()) << entry;
    EXPECT_NE(parsed.error().find(entry), std::string::npos) << parsed.error();
  }
}

}  // namespace
}  // namespace tandem::server::security
