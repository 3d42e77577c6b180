#include "proto/decode_server.hpp"
#include "proto/encode_server.hpp"

#include <gtest/gtest.h>

#include "proto_test_support.hpp"

namespace tandem::proto {
namespace {

using test::server;
using test::server_error;

TEST(DecodeServerTest, Welcome) {
  const auto welcome = server<Welcome>(
      R"({"t":"welcome","client":"c1","heartbeat_ms":15000,)"
      R"("limits":{"max_message_bytes":1048576,"max_docs":64,"max_op_bytes":4194304},"server":"tandem/0.1.0"})");
  EXPECT_EQ(welcome.client, "c1");
  EXPECT_EQ(welcome.heartbeat_ms, 15000u);
  EXPECT_EQ(welcome.limits, (WelcomeLimits{1048576, 64, 4194304}));
  EXPECT_EQ(welcome.server, "tandem/0.1.0");
  EXPECT_EQ(server_error(R"({"t":"welcome","client":"c1","heartbeat_ms":1,"server":"s"})").message,
            "limits: required");
  EXPECT_EQ(
      server_error(R"({"t":"welcome","client":"c1","heartbeat_ms":1,"limits":{},"server":"s"})")
          .message,
      "limits.max_message_bytes: required");
}

TEST(DecodeServerTest, SnapshotOpAckPong) {
  const auto snapshot = server<Snapshot>(R"({"t":"snapshot","doc":"d","v":3,"text":"a\n中😀"})");
  EXPECT_EQ(snapshot.text, "a\n中😀");
  EXPECT_EQ(snapshot.version, 3u);
  const auto op =
      server<OpMessage>(R"({"t":"op","doc":"d","v":3,"op":[1,"x"],"client":"c","seq":4})");
  EXPECT_EQ(op.version, 3u);
  EXPECT_EQ(op.client, "c");
  EXPECT_EQ(op.seq, 4u);
  EXPECT_EQ(op.op.size(), 2u);
  EXPECT_EQ(server<Ack>(R"({"t":"ack","doc":"d","v":3,"seq":4})"), (Ack{"d", 3, 4}));
  EXPECT_EQ(server<Pong>(R"({"t":"pong","id":8})").id, 8u);
  EXPECT_EQ(server_error(R"({"t":"op","doc":"d","v":3,"op":[1,"x"],"seq":4})").message,
            "client: required");
  EXPECT_EQ(server_error(R"({"t":"op","doc":"d","v":3,"op":[1],"client":"c","seq":4})").code,
            ErrorCode::kTrailingSkip);
}

TEST(DecodeServerTest, Presence) {
  const auto here = server<PresenceMessage>(
      R"({"t":"presence","doc":"d","client":"c","v":2,"sel":[[0,3]],"name":"李","color":"#00ff00"})");
  EXPECT_FALSE(here.gone);
  EXPECT_EQ(here.selections, (std::vector<ot::Selection>{{0, 3}}));
  EXPECT_EQ(here.name, "李");
  const auto gone =
      server<PresenceMessage>(R"({"t":"presence","doc":"d","client":"c","gone":true})");
  EXPECT_TRUE(gone.gone);
  EXPECT_EQ(gone.client, "c");
  EXPECT_EQ(server_error(R"({"t":"presence","doc":"d","client":"c","gone":false})").message,
            "v: required");
  EXPECT_EQ(server_error(R"({"t":"presence","doc":"d","client":"c","gone":1})").message,
            "gone: must be true or false");
}

TEST(DecodeServerTest, Error) {
  const auto full = server<ErrorMessage>(
      R"({"t":"error","code":"version_ahead","message":"v 9 > 7","doc":"d","seq":2,"fatal":false})");
  EXPECT_EQ(full, (ErrorMessage{ErrorCode::kVersionAhead, "v 9 > 7", "d", 2, false}));
  const auto bare =
      server<ErrorMessage>(R"({"t":"error","code":"overloaded","message":"","fatal":true})");
  EXPECT_EQ(bare, (ErrorMessage{ErrorCode::kOverloaded, "", std::nullopt, std::nullopt, true}));
  const auto limited = server<ErrorMessage>(
      R"({"t":"error","code":"rate_limited","message":"m","doc":"d","seq":3,"retry_ms":250})");
  EXPECT_EQ(limited.retry_ms, 250u);
  EXPECT_EQ(
      proto::encode(ServerMessage(limited)),
      R"({"t":"error","code":"rate_limited","message":"m","doc":"d","seq":3,"retry_ms":250})");
  // A code this version does not know is treated as internal.
  EXPECT_EQ(server<ErrorMessage>(R"({"t":"error","code":"from_the_future","message":"m"})").code,
            ErrorCode::kInternal);
  EXPECT_EQ(server_error(R"({"t":"error","message":"m"})").message, "code: required");
  EXPECT_EQ(server_error(R"({"t":"error","code":"internal"})").message, "message: required");
  EXPECT_EQ(server_error(R"({"t":"error","code":"internal","message":"m","fatal":"yes"})").message,
            "fatal: must be true or false");
}

TEST(DecodeServerTest, ClientTypesAreUnknown) {
  EXPECT_EQ(server_error(R"({"t":"ping","id":1})").code, ErrorCode::kUnknownType);
  EXPECT_EQ(server_error(R"({"t":"hello","client":"c"})").code, ErrorCode::kUnknownType);
  EXPECT_EQ(server_error(R"([])").code, ErrorCode::kBadMessage);
  EXPECT_EQ(server_error(R"({"t":"pong"})").message, "id: required");
}

TEST(DecodeServerTest, LargeSnapshotsPassByDefault) {
  const std::string text(3u << 20, 'x');
  const auto snapshot =
      server<Snapshot>(R"({"t":"snapshot","doc":"d","v":0,"text":")" + text + "\"}");
  EXPECT_EQ(snapshot.text.size(), text.size());
}

}  // namespace
}  // namespace tandem::proto
