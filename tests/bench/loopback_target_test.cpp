#include "bench/loopback_target.hpp"

#include <gtest/gtest.h>

namespace tandem::bench {
namespace {

TEST(LoopbackTarget, AcceptsLoopbackAddresses) {
  auto v4 = parse_loopback_url("http://127.0.0.1:8080");
  ASSERT_TRUE(v4.ok()) << v4.error();
  EXPECT_EQ(v4->address.to_string(), "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);
  EXPECT_EQ(v4->host_header, "127.0.0.1:8080");
  EXPECT_TRUE(parse_loopback_url("http://127.12.0.3:9/").ok());
  auto v6 = parse_loopback_url("http://[::1]:8080");
  ASSERT_TRUE(v6.ok()) << v6.error();
  EXPECT_TRUE(v6->address.is_v6());
  auto named = parse_loopback_url("http://localhost:3000");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->address.to_string(), "127.0.0.1");
}

TEST(LoopbackTarget, RefusesEverythingElseWithAReason) {
  const auto refused = [](std::string_view url, std::string_view reason) {
    auto parsed = parse_loopback_url(url);
    ASSERT_FALSE(parsed.ok()) << url;
    EXPECT_NE(parsed.error().find(reason), std::string::npos) << parsed.error();
  };
  refused("http://10.0.0.1:8080", "loopback");
  refused("http://8.8.8.8:80", "loopback");
  refused("http://[::ffff:127.0.0.1]:80", "loopback");
  refused("http://[2001:db8::1]:80", "loopback");
  refused("http://example.com:80", "IP literal");
  refused("https://127.0.0.1:8443", "http://");
  refused("http://127.0.0.1", "port");
  refused("http://127.0.0.1:0", "port");
  refused("http://127.0.0.1:99999", "port");
  refused("http://127.0.0.1:80/v1/ws", "no user, path");
  refused("http://u@127.0.0.1:80", "no user, path");
  refused("127.0.0.1:8080", "http://");
  refused("", "http://");
}

TEST(LoopbackTarget, SeveralUrlsKeepTheirOrder) {
  auto targets =
      parse_loopback_urls({"http://127.0.0.1:7001", "http://127.0.0.2:7002", "http://[::1]:7003"});
  ASSERT_TRUE(targets.ok()) << targets.error();
  ASSERT_EQ(targets->size(), 3u);
  EXPECT_EQ((*targets)[0].host_header, "127.0.0.1:7001");
  EXPECT_EQ((*targets)[1].address.to_string(), "127.0.0.2");
  EXPECT_EQ((*targets)[2].port, 7003);
}

TEST(LoopbackTarget, OneUrlOffLoopbackRefusesTheWholeCluster) {
  auto targets = parse_loopback_urls({"http://127.0.0.1:7001", "http://10.0.0.7:7002"});
  ASSERT_FALSE(targets.ok());
  EXPECT_NE(targets.error().find("'http://10.0.0.7:7002' is not one"), std::string::npos)
      << targets.error();
  auto none = parse_loopback_urls({});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().find("--url"), std::string::npos);
}

}  // namespace
}  // namespace tandem::bench
