#include "doctor/target.hpp"

#include <gtest/gtest.h>

namespace tandem::doctor {
namespace {

TEST(Target, ReadsSchemeHostPortAndPath) {
  auto target = parse_target("https://notes.example.com:8443/collab/");
  ASSERT_TRUE(target) << target.error();
  EXPECT_TRUE(target->tls);
  EXPECT_EQ(target->host, "notes.example.com");
  EXPECT_EQ(target->port, "8443");
  EXPECT_EQ(target->base_path, "/collab");
  EXPECT_EQ(target->path("/v1/ws"), "/collab/v1/ws");
  EXPECT_EQ(target->origin(), "https://notes.example.com:8443");
}

TEST(Target, DefaultPortsAreLeftOutOfHostAndOrigin) {
  auto plain = parse_target("http://127.0.0.1");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->port, "80");
  EXPECT_EQ(plain->host_header(), "127.0.0.1");
  EXPECT_EQ(plain->base_path, "");
  auto secure = parse_target("https://example.com/");
  ASSERT_TRUE(secure);
  EXPECT_EQ(secure->port, "443");
  EXPECT_EQ(secure->origin(), "https://example.com");
  // An empty port (found by doctor_frames_fuzz) is the default one.
  auto empty_port = parse_target("https://https://n");
  ASSERT_TRUE(empty_port);
  EXPECT_EQ(empty_port->host, "https");
  EXPECT_EQ(empty_port->port, "443");
}

TEST(Target, RefusesWhatItCannotCheck) {
  EXPECT_EQ(parse_target("ftp://example.com").error(),
            "unsupported scheme 'ftp' (use http:// or https://)");
  EXPECT_FALSE(parse_target("example.com"));
  EXPECT_FALSE(parse_target("http://user@example.com"));
  EXPECT_FALSE(parse_target("http://example.com/?x=1"));
  EXPECT_FALSE(parse_target("http:///path"));
}

}  // namespace
}  // namespace tandem::doctor
