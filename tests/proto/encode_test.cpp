#include <gtest/gtest.h>

#include "proto/encode_client.hpp"
#include "proto/encode_server.hpp"
#include "proto/message_type.hpp"
#include "proto_test_support.hpp"

namespace tandem::proto {
namespace {

ot::Op sample_op() {
  ot::Op op;
  ot::append_skip(op, 3);
  ot::append_insert(op, "hi", 2);
  ot::append_delete(op, 2);
  return op;
}

TEST(EncodeServerTest, ExactBytes) {
  EXPECT_EQ(encode(OpMessage{"d", 5, sample_op(), "c", 1}),
            R"({"t":"op","doc":"d","v":5,"op":[3,"hi",{"d":2}],"client":"c","seq":1})");
  EXPECT_EQ(encode(Ack{"d", 5, 1}), R"({"t":"ack","doc":"d","v":5,"seq":1})");
  EXPECT_EQ(encode(Snapshot{"d", 0, ""}), R"({"t":"snapshot","doc":"d","v":0,"text":""})");
  EXPECT_EQ(
      encode(Welcome{"c", 15000, {1048576, 64, 4194304}, "tandem/0.1.0"}),
      R"({"t":"welcome","client":"c","heartbeat_ms":15000,"limits":{"max_message_bytes":1048576,)"
      R"("max_docs":64,"max_op_bytes":4194304},"server":"tandem/0.1.0"})");
  EXPECT_EQ(
      encode(PresenceMessage{"d", "c", false, 4, {{1, 2}, {5, 3}}, "Ada", "#ff0000"}),
      R"({"t":"presence","doc":"d","client":"c","v":4,"sel":[[1,2],[5,3]],"name":"Ada","color":"#ff0000"})");
  EXPECT_EQ(encode(PresenceMessage{"d", "c", false, 4, {}, std::nullopt, std::nullopt}),
            R"({"t":"presence","doc":"d","client":"c","v":4,"sel":[]})");
  // Gone sends nothing but who left.
  EXPECT_EQ(encode(PresenceMessage{"d", "c", true, 4, {{1, 2}}, "Ada", std::nullopt}),
            R"({"t":"presence","doc":"d","client":"c","gone":true})");
  EXPECT_EQ(encode(Pong{9007199254740991}), R"({"t":"pong","id":9007199254740991})");
  EXPECT_EQ(
      encode(ErrorMessage{ErrorCode::kBadDocId, "doc: bad", std::nullopt, std::nullopt, false}),
      R"({"t":"error","code":"bad_doc_id","message":"doc: bad"})");
  EXPECT_EQ(encode(ErrorMessage{ErrorCode::kOpPastEnd, "m", "d", 3, true}),
            R"({"t":"error","code":"op_past_end","message":"m","doc":"d","seq":3,"fatal":true})");
}

TEST(EncodeServerTest, TextIsEscapedOnlyWhereJsonRequires) {
  EXPECT_EQ(encode(Snapshot{"d", 1, "a\"b\\c\n\t\x01/中😀"}),
            "{\"t\":\"snapshot\",\"doc\":\"d\",\"v\":1,\"text\":\"a\\\"b\\\\c\\n\\t\\u0001/中😀\"}");
  EXPECT_EQ(encode(Snapshot{"d", 1, std::string("\0x", 2)}),
            R"({"t":"snapshot","doc":"d","v":1,"text":"\u0000x"})");
}

TEST(EncodeServerTest, AppendsAndAgreesWithTheVariant) {
  std::string out = "[";
  encode(Ack{"d", 1, 2}, out);
  out += ",";
  encode(ServerMessage(Pong{3}), out);
  out += "]";
  EXPECT_EQ(out, R"([{"t":"ack","doc":"d","v":1,"seq":2},{"t":"pong","id":3}])");
  const OpMessage op{"d", 5, sample_op(), "c", 1};
  EXPECT_EQ(encode(op), encode(ServerMessage(op)));
}

TEST(EncodeServerTest, ToErrorMessageKeepsTheContext) {
  auto error = make_error(ErrorCode::kBadOp, "op: must be an array");
  error.doc = "d";
  error.seq = 4;
  EXPECT_EQ(
      encode(to_error_message(error, true)),
      R"({"t":"error","code":"bad_op","message":"op: must be an array","doc":"d","seq":4,"fatal":true})");
}

TEST(EncodeClientTest, ExactBytes) {
  EXPECT_EQ(encode(Hello{"c", "t.k.n", std::nullopt}),
            R"({"t":"hello","client":"c","token":"t.k.n"})");
  EXPECT_EQ(encode(Subscribe{"d", std::nullopt}), R"({"t":"sub","doc":"d"})");
  EXPECT_EQ(encode(Subscribe{"d", 0}), R"({"t":"sub","doc":"d","v":0})");
  EXPECT_EQ(encode(Unsubscribe{"d"}), R"({"t":"unsub","doc":"d"})");
  EXPECT_EQ(encode(SubmitOp{"d", 5, 2, sample_op()}),
            R"({"t":"op","doc":"d","v":5,"seq":2,"op":[3,"hi",{"d":2}]})");
  EXPECT_EQ(encode(PresenceUpdate{"d", 5, {{0, 0}}, "名前", "#00AA00"}),
            R"({"t":"presence","doc":"d","v":5,"sel":[[0,0]],"name":"名前","color":"#00AA00"})");
  EXPECT_EQ(encode(Ping{0}), R"({"t":"ping","id":0})");
  EXPECT_EQ(encode(ClientMessage(Ping{1})), R"({"t":"ping","id":1})");
}

TEST(MessageTypeTest, Names) {
  EXPECT_EQ(type_name(ClientMessage(Subscribe{})), "sub");
  EXPECT_EQ(type_name(ClientMessage(SubmitOp{})), "op");
  EXPECT_EQ(type_name(ServerMessage(Ack{})), "ack");
  EXPECT_EQ(type_name(ServerMessage(ErrorMessage{})), "error");
}

}  // namespace
}  // namespace tandem::proto
