// The peers' wire formats as the generator reads and writes them: ShareDB's JSON messages and
// Socket.IO packets inside Engine.IO packets. The messages are the ones sharedb 7 and
// socket.io 4 send (bench/peers/); tests/bench/peers_bench.test.mjs drives the real servers.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <string>

#include "bench/peer_json.hpp"
#include "bench/sharedb_protocol.hpp"
#include "bench/socketio_protocol.hpp"

namespace tandem::bench {
namespace {

using ShareDbKind = ShareDbMessage::Kind;
using SocketIoKind = SocketIoPacket::Kind;

TEST(ShareDbProtocol, ReadsTheMessagesAnAgentSends) {
  auto init = parse_sharedb_message(
      R"({"a":"init","protocol":1,"protocolMinor":2,"id":"c1","type":"http://sharejs.org/types/JSONv0"})");
  ASSERT_TRUE(init);
  EXPECT_EQ(init->kind, ShareDbKind::kInit);

  auto snapshot = parse_sharedb_message(
      R"({"data":{"v":7,"data":"h\u00e9llo \ud83d\ude00","type":"http://sharejs.org/types/text-unicode"},"a":"s","c":"docs","d":"x"})");
  ASSERT_TRUE(snapshot);
  EXPECT_EQ(snapshot->kind, ShareDbKind::kSnapshot);
  EXPECT_EQ(snapshot->version, 7u);
  EXPECT_EQ(snapshot->text_length, 7u);  // code points, as ot-text-unicode counts
  EXPECT_EQ(snapshot->doc, "x");

  auto op = parse_sharedb_message(
      R"({"a":"op","c":"docs","d":"x","v":7,"src":"c2","seq":3,"op":[2,"a"]})");
  ASSERT_TRUE(op);
  EXPECT_EQ(op->kind, ShareDbKind::kOp);
  EXPECT_EQ(op->version, 7u);
  EXPECT_EQ(op->seq, 3u);
  EXPECT_EQ(op->src, "c2");

  auto ack = parse_sharedb_message(R"({"a":"op","c":"docs","d":"x","v":8,"src":"c1","seq":1})");
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->kind, ShareDbKind::kAck);
  EXPECT_EQ(ack->version, 8u);
  EXPECT_EQ(ack->seq, 1u);

  auto refused = parse_sharedb_message(
      R"({"a":"op","c":"docs","d":"x","v":99,"seq":2,"op":[1,"b"],"error":{"code":"ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT","message":"..."}})");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->kind, ShareDbKind::kError);
  EXPECT_EQ(refused->action, "op");
  EXPECT_EQ(refused->seq, 2u);
  EXPECT_EQ(refused->error_code, "ERR_OP_VERSION_NEWER_THAN_CURRENT_SNAPSHOT");

  auto presence = parse_sharedb_message(R"({"a":"p","ch":"x","id":"c2","p":null})");
  ASSERT_TRUE(presence);
  EXPECT_EQ(presence->kind, ShareDbKind::kOther);
}

TEST(ShareDbProtocol, RefusesWhatItCannotFollow) {
  for (const char* bad :
       {"", "[1]", "{", R"({"a":"s","c":"docs","d":"x"})", R"({"a":"s","data":{"data":""}})",
        R"({"a":"s","data":{"v":1,"data":{}}})", R"({"a":"op","d":"x","op":[1]})",
        R"({"a":"op","v":1,"op":[1]})", R"({"a":"op","d":"x","v":-1})",
        R"({"a":"op","d":"x","v":1.5})"}) {
    EXPECT_FALSE(parse_sharedb_message(bad)) << bad;
  }
}

TEST(ShareDbProtocol, WritesSubscribeAndSubmitAsTheAgentExpects) {
  EXPECT_EQ(sharedb_subscribe("docs", "d\"1"), R"({"a":"s","c":"docs","d":"d\"1","v":null})");
  const auto submit = boost::json::parse(sharedb_submit("docs", "x", 4, 9, 3, 'q'));
  EXPECT_EQ(submit,
            boost::json::parse(R"({"a":"op","c":"docs","d":"x","v":4,"seq":9,"op":[3,"q"]})"));
  EXPECT_EQ(text_unicode_insert(0, 'z'), R"(["z"])");
}

TEST(SocketIoProtocol, ReadsEngineIoAndSocketIoPackets) {
  auto open = parse_socketio_packet(
      R"(0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})");
  ASSERT_TRUE(open);
  EXPECT_EQ(open->kind, SocketIoKind::kOpen);
  EXPECT_EQ(open->sid, "abc");

  EXPECT_EQ(parse_socketio_packet("2")->kind, SocketIoKind::kPing);
  EXPECT_EQ(parse_socketio_packet("1")->kind, SocketIoKind::kClose);
  EXPECT_EQ(parse_socketio_packet("6")->kind, SocketIoKind::kOther);
  EXPECT_EQ(parse_socketio_packet(R"(40{"sid":"s1"})")->kind, SocketIoKind::kConnected);
  EXPECT_EQ(parse_socketio_packet(R"(44{"message":"no"})")->kind, SocketIoKind::kConnectError);
  EXPECT_EQ(parse_socketio_packet("41")->kind, SocketIoKind::kClose);

  auto join = parse_socketio_packet(R"(430[{"v":12}])");
  ASSERT_TRUE(join);
  EXPECT_EQ(join->kind, SocketIoKind::kAck);
  EXPECT_EQ(join->ack_id, 0u);
  EXPECT_EQ(join->version, 12u);

  auto ack = parse_socketio_packet(R"(4317[{"v":40}])");
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->ack_id, 17u);
  EXPECT_EQ(ack->version, 40u);

  auto op =
      parse_socketio_packet(R"(42["op",{"doc":"x","v":5,"client":"s2","seq":3,"op":[1,"a"]}])");
  ASSERT_TRUE(op);
  EXPECT_EQ(op->kind, SocketIoKind::kOp);
  EXPECT_EQ(op->doc, "x");
  EXPECT_EQ(op->version, 5u);
  EXPECT_EQ(op->seq, 3u);

  auto other = parse_socketio_packet(R"(42["cursor",{"doc":"x"}])");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->kind, SocketIoKind::kOther);
}

TEST(SocketIoProtocol, RefusesMalformedPackets) {
  for (const char* bad : {"", "9", "0", "0[]", R"(0{"sid":""})", "4", "47", "42", "42{}", "42[1]",
                          R"(42["op"])", R"(42["op",{"v":1}])", "43[{}]", "4399999999999999999[{}]",
                          R"(42/chat,["op",{}])", "42[\"op\""}) {
    EXPECT_FALSE(parse_socketio_packet(bad)) << bad;
  }
}

TEST(SocketIoProtocol, SplitsPollingBodiesAndWritesEvents) {
  const auto packets = split_polling_payload(
      "40{\"sid\":\"a\"}\x1e"
      "430[{\"v\":0}]\x1e"
      "2");
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(packets[0], R"(40{"sid":"a"})");
  EXPECT_EQ(packets[2], "2");
  EXPECT_EQ(split_polling_payload("6").size(), 1u);

  EXPECT_EQ(socketio_join("d1", 0), R"(420["join","d1"])");
  const std::string submit = socketio_submit("d1", 4, 0, 'k', 4);
  ASSERT_EQ(submit.substr(0, 3), "424");
  EXPECT_EQ(boost::json::parse(submit.substr(3)),
            boost::json::parse(R"(["op",{"doc":"d1","seq":4,"op":["k"]}])"));
}

}  // namespace
}  // namespace tandem::bench
