#include "bench/frame_scanner.hpp"

#include <gtest/gtest.h>

namespace tandem::bench {
namespace {

std::vector<ScannedMessage> scan(std::string_view frame, bool expect_ok = true) {
  std::vector<ScannedMessage> out;
  EXPECT_EQ(scan_server_frame(frame, out), expect_ok) << frame;
  return out;
}

TEST(FrameScanner, ReadsAnOp) {
  const auto m = scan(R"({"t":"op","doc":"d1","v":41,"op":[5,"!"],"client":"ada","seq":7})");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].kind, proto::ServerType::kOp);
  EXPECT_EQ(m[0].doc, "d1");
  EXPECT_EQ(m[0].version, 41u);
  EXPECT_EQ(m[0].client, "ada");
  EXPECT_EQ(m[0].seq, 7u);
}

TEST(FrameScanner, ReadsACoalescedArrayInOrder) {
  const auto m = scan(
      R"([{"t":"op","doc":"d","v":1,"op":["x"],"client":"a","seq":1}, {"t":"ack","doc":"d","v":2,"seq":9}])");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].kind, proto::ServerType::kOp);
  EXPECT_EQ(m[1].kind, proto::ServerType::kAck);
  EXPECT_EQ(m[1].version, 2u);
  EXPECT_EQ(m[1].seq, 9u);
  EXPECT_EQ(m[1].json, R"({"t":"ack","doc":"d","v":2,"seq":9})");
}

TEST(FrameScanner, FieldOrderDoesNotMatter) {
  const auto m = scan(R"({ "seq" : 3 , "v":2, "doc":"d", "t" : "ack" })");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].kind, proto::ServerType::kAck);
  EXPECT_EQ(m[0].version, 2u);
}

TEST(FrameScanner, LookalikeKeysInsideValuesAreNotRead) {
  // Inserted text and nested objects holding "t", "v" and quotes must not confuse it.
  const auto m = scan(
      R"({"t":"op","doc":"d","v":3,"op":[1,"\"t\":\"ack\",\"v\":99",{"d":2}],"client":"c","seq":4,"x":{"v":1000,"t":"ack"}})");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].kind, proto::ServerType::kOp);
  EXPECT_EQ(m[0].version, 3u);
  EXPECT_EQ(m[0].seq, 4u);
}

TEST(FrameScanner, KindsOfEveryServerMessage) {
  EXPECT_EQ(
      scan(R"({"t":"welcome","client":"a","heartbeat_ms":1,"limits":{},"server":"x"})")[0].kind,
      proto::ServerType::kWelcome);
  EXPECT_EQ(scan(R"({"t":"snapshot","doc":"d","v":0,"text":""})")[0].kind,
            proto::ServerType::kSnapshot);
  EXPECT_EQ(scan(R"({"t":"presence","doc":"d","client":"a","gone":true})")[0].kind,
            proto::ServerType::kPresence);
  EXPECT_EQ(scan(R"({"t":"pong","id":1})")[0].kind, proto::ServerType::kPong);
  EXPECT_EQ(scan(R"({"t":"error","code":"internal","message":"m"})")[0].kind,
            proto::ServerType::kError);
  EXPECT_EQ(scan(R"({"t":"future"})")[0].kind, proto::ServerType::kUnknown);
  EXPECT_TRUE(scan("[]").empty());
}

TEST(FrameScanner, IntegralFloatsCountLikeTheCodecSaysTheyDo) {
  EXPECT_EQ(scan(R"({"t":"ack","v":3.0,"seq":1e1})")[0].version, 3u);
  EXPECT_EQ(scan(R"({"t":"ack","v":3.0,"seq":1e1})")[0].seq, 10u);
  EXPECT_EQ(scan(R"({"t":"ack","v":-0,"seq":2})")[0].version, 0u);
  EXPECT_FALSE(scan(R"({"t":"ack","v":9007199254740992,"seq":2})")[0].version.has_value());
  EXPECT_EQ(scan(R"({"t":"ack","v":9007199254740991,"seq":2})")[0].version, 9007199254740991u);
}

TEST(FrameScanner, NonIntegralNumbersAreNotVersions) {
  EXPECT_FALSE(scan(R"({"t":"ack","v":1.5,"seq":2})")[0].version.has_value());
  EXPECT_FALSE(scan(R"({"t":"ack","v":-1,"seq":2})")[0].version.has_value());
  EXPECT_FALSE(scan(R"({"t":"ack","v":99999999999999999999999,"seq":2})")[0].version.has_value());
}

TEST(FrameScanner, RefusesWhatIsNotObjects) {
  for (const std::string_view bad :
       {"", "   ", "1", "\"x\"", "[1]", "{", "{\"t\":}", "{\"t\":\"op\"", "[{}", "[{},]", "{}x",
        "{\"a\":[1,2}", "{\"a\":\"unterminated}", "{\"a\":tru}", "{\"a\" 1}"}) {
    scan(bad, false);
  }
}

TEST(FrameScanner, NestingIsBounded) {
  std::string deep = "{\"a\":";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "}";
  scan(deep, false);
}

}  // namespace
}  // namespace tandem::bench
