#include "bus/redis_url.hpp"
#include "bus/bus_frame.hpp"

#include <gtest/gtest.h>

namespace tandem::bus {
namespace {

RedisAddress parsed(std::string_view url) {
  auto result = parse_redis_url(url);
  EXPECT_TRUE(result.ok()) << url << ": " << (result.ok() ? "" : result.error());
  return result.ok() ? result.value() : RedisAddress{};
}

std::string problem(std::string_view url) {
  auto result = parse_redis_url(url);
  EXPECT_FALSE(result.ok()) << url;
  return result.ok() ? "" : result.error();
}

TEST(RedisUrlTest, HostAndPort) {
  const RedisAddress address = parsed("redis://cache.internal:6380");
  EXPECT_EQ(address.host, "cache.internal");
  EXPECT_EQ(address.port, 6380);
  EXPECT_EQ(address.user, "");
  EXPECT_EQ(address.password, "");
}

TEST(RedisUrlTest, PortDefaultsTo6379) {
  EXPECT_EQ(parsed("redis://127.0.0.1").port, 6379);
  EXPECT_EQ(parsed("redis://localhost/").port, 6379);
}

TEST(RedisUrlTest, Ipv6InBrackets) {
  const RedisAddress address = parsed("redis://[::1]:7000");
  EXPECT_EQ(address.host, "::1");
  EXPECT_EQ(address.port, 7000);
  EXPECT_EQ(parsed("redis://[fe80::1]").port, 6379);
}

TEST(RedisUrlTest, PasswordAndUserAreDecoded) {
  RedisAddress address = parsed("redis://:s3cret@cache:6379");
  EXPECT_EQ(address.user, "");
  EXPECT_EQ(address.password, "s3cret");
  address = parsed("redis://tandem:p%40ss%3Aw%2Frd@cache");
  EXPECT_EQ(address.user, "tandem");
  EXPECT_EQ(address.password, "p@ss:w/rd");
  // An unencoded '@' in the password: the last '@' ends the user part.
  EXPECT_EQ(parsed("redis://:a@b@cache").password, "a@b");
}

TEST(RedisUrlTest, DatabaseNumberIsAcceptedAndIgnored) {
  EXPECT_EQ(parsed("redis://cache:6379/0").host, "cache");
  EXPECT_EQ(parsed("redis://cache/15").port, 6379);
}

TEST(RedisUrlTest, BadUrlsAreRefusedWithTheirReason) {
  EXPECT_NE(problem("").find("expected a redis://HOST:PORT URL"), std::string::npos);
  EXPECT_NE(problem("postgres://db/x").find("expected a redis://"), std::string::npos);
  EXPECT_NE(problem("rediss://cache:6380").find("TLS"), std::string::npos);
  EXPECT_NE(problem("redis://").find("no host"), std::string::npos);
  EXPECT_NE(problem("redis://:6379").find("no host"), std::string::npos);
  EXPECT_NE(problem("redis://cache:").find("without a port"), std::string::npos);
  EXPECT_NE(problem("redis://cache:0").find("1 to 65535"), std::string::npos);
  EXPECT_NE(problem("redis://cache:65536").find("1 to 65535"), std::string::npos);
  EXPECT_NE(problem("redis://cache:http").find("1 to 65535"), std::string::npos);
  EXPECT_NE(problem("redis://ca che").find("host may hold"), std::string::npos);
  EXPECT_NE(problem("redis://::1:6379").find("IPv6"), std::string::npos);
  EXPECT_NE(problem("redis://[::1").find("']'"), std::string::npos);
  EXPECT_NE(problem("redis://[::1]x").find("':PORT'"), std::string::npos);
  EXPECT_NE(problem("redis://cache/db").find("/DB"), std::string::npos);
  EXPECT_NE(problem("redis://cache?timeout=1").find("query"), std::string::npos);
  EXPECT_NE(problem("redis://admin@cache").find("user without a password"), std::string::npos);
  EXPECT_NE(problem("redis://:@cache").find("empty password"), std::string::npos);
  EXPECT_NE(problem("redis://:%zz@cache").find("%XX"), std::string::npos);
  EXPECT_NE(problem("redis://:%4@cache").find("%XX"), std::string::npos);
}

TEST(RedisUrlTest, RedactionDropsThePasswordOnly) {
  EXPECT_EQ(redact_redis_url("redis://cache:6379"), "redis://cache:6379");
  EXPECT_EQ(redact_redis_url("redis://:s3cret@cache:6379/0"), "redis://cache:6379/0");
  EXPECT_EQ(redact_redis_url("redis://tandem:s3cret@cache"), "redis://tandem@cache");
  EXPECT_EQ(redact_redis_url("redis://:a@b/c@cache"), "redis://cache");
  EXPECT_EQ(redact_redis_url(""), "");
  EXPECT_EQ(redact_redis_url("not a url"), "not a url");
}

TEST(BusFrameTest, RoundTripsAndSkipsForeignFormats) {
  const NodeId node = random_node_id();
  const std::string payload("any\0bytes", 9);
  const std::string message = encode_frame(node, payload);
  EXPECT_EQ(message.size(), kFrameHeaderBytes + payload.size());
  const auto frame = decode_frame(message);
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->from, std::string_view(node.data(), node.size()));
  EXPECT_EQ(frame->payload, payload);
  EXPECT_EQ(decode_frame(encode_frame(node, ""))->payload, "");

  EXPECT_FALSE(decode_frame("").has_value());
  EXPECT_FALSE(decode_frame(message.substr(0, kFrameHeaderBytes - 1)).has_value());
  EXPECT_FALSE(decode_frame("{\"not\":\"ours\", \"but long enough\": 1}").has_value());
  EXPECT_NE(random_node_id(), random_node_id());
}

}  // namespace
}  // namespace tandem::bus
