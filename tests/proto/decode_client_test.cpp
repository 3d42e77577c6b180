#include "proto/decode_client.hpp"

#include <gtest/gtest.h>

#include <string>

#include "proto_test_support.hpp"

namespace tandem::proto {
namespace {

using test::client;
using test::client_error;

TEST(DecodeClientTest, Hello) {
  const auto hello = client<Hello>(R"({"t":"hello","client":"c-1_X"})");
  EXPECT_EQ(hello.client, "c-1_X");
  EXPECT_FALSE(hello.token);
  EXPECT_FALSE(hello.negotiation);
  const auto with_token = client<Hello>(R"({"t":"hello","client":"c","token":"aa.bb.cc"})");
  EXPECT_EQ(with_token.token, "aa.bb.cc");
}

TEST(DecodeClientTest, NullCountsAsAbsent) {
  const auto hello = client<Hello>(R"({"t":"hello","client":"c","token":null,"negotiation":null})");
  EXPECT_FALSE(hello.token);
  EXPECT_FALSE(hello.negotiation);
  EXPECT_FALSE(client<Subscribe>(R"({"t":"sub","doc":"d","v":null})").version);
}

TEST(DecodeClientTest, SubscribeAndUnsubscribe) {
  const auto from_version = client<Subscribe>(R"({"t":"sub","doc":"notes.md","v":42})");
  EXPECT_EQ(from_version.doc, "notes.md");
  EXPECT_EQ(from_version.version, 42u);
  EXPECT_FALSE(client<Subscribe>(R"({"t":"sub","doc":"d"})").version);
  EXPECT_EQ(client<Unsubscribe>(R"({"t":"unsub","doc":"a~b"})").doc, "a~b");
}

TEST(DecodeClientTest, SubmitOp) {
  const auto submit =
      client<SubmitOp>(R"({"t":"op","doc":"d","v":7,"seq":3,"op":[2,"hi",{"d":4}]})");
  EXPECT_EQ(submit.doc, "d");
  EXPECT_EQ(submit.base_version, 7u);
  EXPECT_EQ(submit.seq, 3u);
  ASSERT_EQ(submit.op.size(), 3u);
  EXPECT_EQ(submit.op[0], ot::Component::skip(2));
  EXPECT_EQ(submit.op[1].text(), "hi");
  EXPECT_EQ(submit.op[2], ot::Component::remove(4));
  // A delete may carry the deleted text; it counts code points.
  const auto by_text = client<SubmitOp>(R"({"t":"op","doc":"d","v":0,"seq":1,"op":[{"d":"h😀"}]})");
  EXPECT_EQ(by_text.op[0], ot::Component::remove(2));
  // The empty op is a valid no-op.
  EXPECT_TRUE(client<SubmitOp>(R"({"t":"op","doc":"d","v":0,"seq":1,"op":[]})").op.empty());
}

TEST(DecodeClientTest, Presence) {
  const auto presence = client<PresenceUpdate>(
      R"({"t":"presence","doc":"d","v":9,"sel":[[1,4],[7,7]],"name":"Ada","color":"#A0b1C2"})");
  EXPECT_EQ(presence.version, 9u);
  ASSERT_EQ(presence.selections.size(), 2u);
  EXPECT_EQ(presence.selections[0], (ot::Selection{1, 4}));
  EXPECT_EQ(presence.selections[1], (ot::Selection{7, 7}));
  EXPECT_EQ(presence.name, "Ada");
  EXPECT_EQ(presence.color, "#A0b1C2");
  const auto no_cursor = client<PresenceUpdate>(R"({"t":"presence","doc":"d","v":0,"sel":[]})");
  EXPECT_TRUE(no_cursor.selections.empty());
  EXPECT_FALSE(no_cursor.name);
  EXPECT_FALSE(no_cursor.color);
}

TEST(DecodeClientTest, Ping) { EXPECT_EQ(client<Ping>(R"({"t":"ping","id":12})").id, 12u); }

TEST(DecodeClientTest, IgnoresUnknownFieldsWhitespaceAndOrder) {
  const auto submit = client<SubmitOp>(
      "{ \"op\" : [ \"x\" ] ,\n \"future\": {\"a\": [1, {\"b\": null}]}, \"seq\": 2, \"v\": 1,"
      " \"doc\": \"d\", \"t\": \"op\" }");
  EXPECT_EQ(submit.seq, 2u);
  EXPECT_EQ(submit.op[0].text(), "x");
}

TEST(DecodeClientTest, IntegralDoublesAreIntegers) {
  EXPECT_EQ(client<Ping>(R"({"t":"ping","id":3.0})").id, 3u);
  EXPECT_EQ(client<Ping>(R"({"t":"ping","id":1e3})").id, 1000u);
  EXPECT_EQ(client<Ping>(R"({"t":"ping","id":9007199254740991})").id, 9007199254740991u);
}

TEST(DecodeClientTest, AstralCjkAndEmojiText) {
  // Raw UTF-8 and escaped surrogate pairs decode to the same text; lengths are code points.
  const auto raw = client<SubmitOp>(
      R"({"t":"op","doc":"d","v":0,"seq":1,"op":[3,"中文😀👩🏽‍💻𐍈"]})");
  const auto escaped = client<SubmitOp>(
      R"({"t":"op","doc":"d","v":0,"seq":1,"op":[3,"\u4e2d\u6587\ud83d\ude00\ud83d\udc69\ud83c\udffd\u200d\ud83d\udcbb\ud800\udf48"]})");
  EXPECT_EQ(raw.op, escaped.op);
  EXPECT_EQ(raw.op[1].length(), 8u);
  // 64 code points of name are allowed even when each is four bytes.
  std::string name;
  for (int i = 0; i < 64; ++i) name += "😀";
  const auto presence = client<PresenceUpdate>(
      R"({"t":"presence","doc":"d","v":0,"sel":[],"name":")" + name + R"("})");
  EXPECT_EQ(presence.name, name);
  const auto error =
      client_error(R"({"t":"presence","doc":"d","v":0,"sel":[],"name":")" + name + R"(x"})");
  EXPECT_EQ(error.code, ErrorCode::kBadMessage);
  EXPECT_EQ(error.message, "name: is longer than 64 code points");
}

TEST(DecodeClientTest, BadJson) {
  for (const char* text : {"", " ", "{", "nope", R"({"t":"ping","id":1} x)", R"({"t":"ping",})",
                           R"({'t':'ping'})", "{\"t\":\"ping\",\"id\":1}\n{}"}) {
    EXPECT_EQ(client_error(text).code, ErrorCode::kBadJson) << text;
  }
}

TEST(DecodeClientTest, NotAnObject) {
  for (const char* text : {"[]", "1", "\"ping\"", "null", "true"}) {
    const auto error = client_error(text);
    EXPECT_EQ(error.code, ErrorCode::kBadMessage) << text;
    EXPECT_EQ(error.message, "message must be a JSON object");
  }
}

TEST(DecodeClientTest, TypeField) {
  EXPECT_EQ(client_error(R"({"id":1})").message, "t: required");
  EXPECT_EQ(client_error(R"({"t":null})").message, "t: required");
  EXPECT_EQ(client_error(R"({"t":1})").message, "t: must be a string");
  for (const char* text : {R"({"t":"pong","id":1})", R"({"t":"welcome"})", R"({"t":""})",
                           R"({"t":"PING","id":1})", R"({"t":"ack"})"}) {
    EXPECT_EQ(client_error(text).code, ErrorCode::kUnknownType) << text;
  }
  EXPECT_EQ(client_error(R"({"t":"subscribe"})").message, R"(t: unknown message type "subscribe")");
  const auto long_type = client_error(R"({"t":")" + std::string(100, 'x') + "\"}");
  EXPECT_EQ(long_type.message, "t: unknown message type \"" + std::string(32, 'x') + "\"...");
}

TEST(DecodeClientTest, MissingAndMistypedFieldsNameTheField) {
  struct Case {
    const char* json;
    const char* message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"({"t":"hello"})", "client: required"},
           {R"({"t":"hello","client":5})", "client: must be a string"},
           {R"({"t":"hello","client":"c","token":5})", "token: must be a string"},
           {R"({"t":"hello","client":"c","token":""})", "token: must not be empty"},
           {R"({"t":"sub"})", "doc: required"},
           {R"({"t":"sub","doc":["d"]})", "doc: must be a string"},
           {R"({"t":"sub","doc":"d","v":-1})", "v: must be an integer from 0 to 2^53-1"},
           {R"({"t":"sub","doc":"d","v":"3"})", "v: must be an integer from 0 to 2^53-1"},
           {R"({"t":"unsub"})", "doc: required"},
           {R"({"t":"op","v":0,"seq":1,"op":[]})", "doc: required"},
           {R"({"t":"op","doc":"d","seq":1,"op":[]})", "v: required"},
           {R"({"t":"op","doc":"d","v":0,"op":[]})", "seq: required"},
           {R"({"t":"op","doc":"d","v":0,"seq":0,"op":[]})", "seq: must be at least 1"},
           {R"({"t":"op","doc":"d","v":0,"seq":1})", "op: required"},
           {R"({"t":"op","doc":"d","v":1.5,"seq":1,"op":[]})",
            "v: must be an integer from 0 to 2^53-1"},
           {R"({"t":"op","doc":"d","v":9007199254740992,"seq":1,"op":[]})",
            "v: must be an integer from 0 to 2^53-1"},
           {R"({"t":"op","doc":"d","v":18446744073709551615,"seq":1,"op":[]})",
            "v: must be an integer from 0 to 2^53-1"},
           {R"({"t":"op","doc":"d","v":1e400,"seq":1,"op":[]})",
            "v: must be an integer from 0 to 2^53-1"},
           {R"({"t":"op","doc":"d","v":true,"seq":1,"op":[]})",
            "v: must be an integer from 0 to 2^53-1"},
           {R"({"t":"presence","doc":"d","sel":[]})", "v: required"},
           {R"({"t":"presence","doc":"d","v":0})",
            "sel: required (an empty array means no cursor)"},
           {R"({"t":"presence","doc":"d","v":0,"sel":{}})",
            "sel: must be an array of [anchor, head] pairs"},
           {R"({"t":"presence","doc":"d","v":0,"sel":[[1,2],[3]]})",
            "sel[1]: must be an [anchor, head] pair"},
           {R"({"t":"presence","doc":"d","v":0,"sel":[5]})",
            "sel[0]: must be an [anchor, head] pair"},
           {R"({"t":"presence","doc":"d","v":0,"sel":[[1,2,3]]})",
            "sel[0]: must be an [anchor, head] pair"},
           {R"({"t":"presence","doc":"d","v":0,"sel":[[-1,2]]})",
            "sel[0][0]: must be an integer from 0 to 2^53-1"},
           {R"({"t":"presence","doc":"d","v":0,"sel":[[1,"2"]]})",
            "sel[0][1]: must be an integer from 0 to 2^53-1"},
           {R"({"t":"presence","doc":"d","v":0,"sel":[],"name":7})", "name: must be a string"},
           {R"({"t":"presence","doc":"d","v":0,"sel":[],"color":"red"})",
            "color: must be # and six hex digits"},
           {R"({"t":"presence","doc":"d","v":0,"sel":[],"color":"#12345g"})",
            "color: must be # and six hex digits"},
           {R"({"t":"presence","doc":"d","v":0,"sel":[],"color":"#1234567"})",
            "color: must be # and six hex digits"},
           {R"({"t":"ping"})", "id: required"},
           {R"({"t":"ping","id":-3})", "id: must be an integer from 0 to 2^53-1"},
       }) {
    const auto error = client_error(c.json);
    EXPECT_EQ(error.code, ErrorCode::kBadMessage) << c.json;
    EXPECT_EQ(error.message, c.message) << c.json;
  }
}

TEST(DecodeClientTest, TooManySelectionRanges) {
  std::string ranges;
  for (int i = 0; i < 33; ++i) ranges += (i == 0 ? "[" : ",[") + std::to_string(i) + ",0]";
  const auto error = client_error(R"({"t":"presence","doc":"d","v":0,"sel":[)" + ranges + "]}");
  EXPECT_EQ(error.code, ErrorCode::kBadMessage);
  EXPECT_EQ(error.message, "sel: has more than 32 ranges");
  ProtoLimits limits;
  limits.max_presence_ranges = 33;
  EXPECT_EQ(
      client<PresenceUpdate>(R"({"t":"presence","doc":"d","v":0,"sel":[)" + ranges + "]}", limits)
          .selections.size(),
      33u);
}

TEST(DecodeClientTest, ClientIds) {
  for (const std::string& id : {std::string("a"), std::string(64, 'z'), std::string("A-b_9")}) {
    EXPECT_EQ(client<Hello>(R"({"t":"hello","client":")" + id + "\"}").client, id);
  }
  for (const std::string& id :
       {std::string(), std::string(65, 'z'), std::string("a b"), std::string("a.b"),
        std::string("é"), std::string("a/b"), std::string("a\\u0000")}) {
    const auto error = client_error(R"({"t":"hello","client":")" + id + "\"}");
    EXPECT_EQ(error.code, ErrorCode::kBadClientId) << id;
    EXPECT_EQ(error.message, "client: must be 1-64 characters of A-Z a-z 0-9 _ -");
  }
}

TEST(DecodeClientTest, DocIds) {
  for (const std::string& id : {std::string("a"), std::string(128, 'z'), std::string("a.b~c-d_E9"),
                                std::string("..."), std::string(".x")}) {
    EXPECT_EQ(client<Unsubscribe>(R"({"t":"unsub","doc":")" + id + "\"}").doc, id);
  }
  for (const std::string& id : {std::string(), std::string(129, 'z'), std::string("a/b"),
                                std::string("a@3"), std::string("."), std::string(".."),
                                std::string("%20"), std::string("a b"), std::string("中")}) {
    const auto error = client_error(R"({"t":"unsub","doc":")" + id + "\"}");
    EXPECT_EQ(error.code, ErrorCode::kBadDocId) << id;
  }
}

TEST(DecodeClientTest, MessageTooLarge) {
  ProtoLimits limits;
  limits.max_message_bytes = 20;
  EXPECT_EQ(client<Ping>(R"({"t":"ping","id":12})", limits).id, 12u);  // exactly 20 bytes
  const auto error = client_error(R"({"t":"ping","id":123})", limits);
  EXPECT_EQ(error.code, ErrorCode::kMessageTooLarge);
  EXPECT_EQ(error.message, "message is 21 bytes, limit is 20");
  // The default is 1 MiB.
  const std::string big = R"({"t":"ping","id":1,"pad":")" + std::string(1u << 20, 'x') + "\"}";
  EXPECT_EQ(client_error(big).code, ErrorCode::kMessageTooLarge);
}

std::string nested(int depth) {
  // `depth` levels in all, the message object included.
  return R"({"t":"ping","id":1,"x":)" + std::string(depth - 1, '[') + std::string(depth - 1, ']') +
         "}";
}

TEST(DecodeClientTest, TooDeep) {
  EXPECT_EQ(client<Ping>(nested(16)).id, 1u);
  const auto error = client_error(nested(17));
  EXPECT_EQ(error.code, ErrorCode::kTooDeep);
  EXPECT_EQ(error.message, "message nests deeper than 16 levels");
  // Far past the limit, the parser stops early rather than recursing.
  EXPECT_EQ(client_error(std::string(100'000, '[')).code, ErrorCode::kTooDeep);
  ProtoLimits limits;
  limits.max_depth = 2;
  EXPECT_EQ(client_error(R"({"t":"op","doc":"d","v":0,"seq":1,"op":[{"d":1}]})", limits).code,
            ErrorCode::kTooDeep);
}

TEST(DecodeClientTest, InvalidUtf8) {
  for (const std::string& text : {
           std::string("{\"t\":\"hello\",\"client\":\"a\xFF\"}"),
           std::string("{\"t\":\"hello\",\"client\":\"c\",\"x\":\"\xED\xA0\x80\"}"),  // surrogate
           std::string("{\"t\":\"hello\",\"client\":\"c\",\"x\":\"\xC0\xAF\"}"),      // overlong
           std::string("{\"t\":\"hello\",\"client\":\"c\",\"x\":\"\xF4\x90\x80\x80\"}"),
           std::string("{\"t\":\"op\",\"doc\":\"d\",\"v\":0,\"seq\":1,\"op\":[\"\xE4\xB8\"]}"),
           std::string("\xEF\xBB\xBF{}\x80"),
       }) {
    const auto error = client_error(text);
    EXPECT_EQ(error.code, ErrorCode::kInvalidUtf8) << text;
    EXPECT_EQ(error.message.rfind("message: invalid UTF-8 at byte ", 0), 0u) << error.message;
  }
}

TEST(DecodeClientTest, LoneSurrogateEscapes) {
  for (const char* text : {
           R"({"t":"hello","client":"c","x":"\ud800"})",
           R"({"t":"hello","client":"c","x":"\udc00"})",
           R"({"t":"hello","client":"c","x":"a\ud83dz"})",
           R"({"t":"hello","client":"c","x":"\ud83d\u0041"})",
           R"({"t":"op","doc":"d","v":0,"seq":1,"op":["\ude00\ud83d"]})",
           R"({"t":"hello","client":"c","\ud800":1})",
       }) {
    EXPECT_EQ(client_error(text).code, ErrorCode::kLoneSurrogate) << text;
  }
  EXPECT_EQ(
      client<SubmitOp>(R"({"t":"op","doc":"d","v":0,"seq":1,"op":["\ud83d\ude00"]})").op[0].text(),
      "😀");
}

TEST(DecodeClientTest, OpErrorsKeepTheirOtCodesAndNameTheSubmit) {
  struct Case {
    const char* op;
    ErrorCode code;
  };
  for (const Case& c : std::initializer_list<Case>{
           {R"("hi")", ErrorCode::kBadOp},
           {R"({"d":1})", ErrorCode::kBadOp},
           {"[true]", ErrorCode::kBadComponent},
           {R"([{"d":1,"x":2}])", ErrorCode::kBadComponent},
           {"[[1]]", ErrorCode::kBadComponent},
           {R"([-1,"x"])", ErrorCode::kBadNumber},
           {R"([1.5,"x"])", ErrorCode::kBadNumber},
           {R"([{"d":9007199254740992}])", ErrorCode::kBadNumber},
           {R"([0,"x"])", ErrorCode::kEmptyComponent},
           {R"([""])", ErrorCode::kEmptyComponent},
           {R"([{"d":0}])", ErrorCode::kEmptyComponent},
           {R"([1,2,"x"])", ErrorCode::kAdjacentSkips},
           {R"(["x",3])", ErrorCode::kTrailingSkip},
       }) {
    const auto error =
        client_error(std::string(R"({"t":"op","doc":"notes","v":4,"seq":9,"op":)") + c.op + "}");
    EXPECT_EQ(error.code, c.code) << c.op;
    EXPECT_EQ(error.message.rfind("op: ", 0), 0u) << error.message;
    EXPECT_EQ(error.doc, "notes");
    EXPECT_EQ(error.seq, 9u);
  }
}

TEST(DecodeClientTest, OpLimits) {
  ProtoLimits limits;
  limits.op.max_components = 2;
  auto error = client_error(R"({"t":"op","doc":"d","v":0,"seq":1,"op":[1,"a",{"d":1}]})", limits);
  EXPECT_EQ(error.code, ErrorCode::kOpTooLarge);
  EXPECT_EQ(error.message, "op: op has 3 components, limit is 2");
  limits = ProtoLimits{};
  limits.op.max_inserted_bytes = 4;
  EXPECT_EQ(client<SubmitOp>(R"({"t":"op","doc":"d","v":0,"seq":1,"op":["😀"]})", limits).op.size(),
            1u);
  error = client_error(R"({"t":"op","doc":"d","v":0,"seq":1,"op":["😀!"]})", limits);
  EXPECT_EQ(error.code, ErrorCode::kOpTooLarge);
}

TEST(DecodeClientTest, ErrorsCarryTheContextReadSoFar) {
  auto error = client_error(R"({"t":"op","doc":"d","v":0,"seq":"x","op":[]})");
  EXPECT_EQ(error.doc, "d");
  EXPECT_FALSE(error.seq);
  error = client_error(R"({"t":"op","doc":"d","seq":5,"op":[]})");
  EXPECT_EQ(error.doc, "d");
  EXPECT_EQ(error.seq, 5u);
  error = client_error(R"({"t":"op","doc":"a/b","v":0,"seq":5,"op":[]})");
  EXPECT_FALSE(error.doc);
  error = client_error(R"({"t":"presence","doc":"d","v":0,"sel":[],"color":"#zzzzzz"})");
  EXPECT_EQ(error.doc, "d");
  error = client_error(R"({"t":"sub","doc":"d","v":-1})");
  EXPECT_EQ(error.doc, "d");
}

TEST(DecodeClientTest, TokenLimit) {
  ProtoLimits limits;
  limits.max_token_bytes = 4;
  EXPECT_EQ(client<Hello>(R"({"t":"hello","client":"c","token":"abcd"})", limits).token, "abcd");
  const auto error = client_error(R"({"t":"hello","client":"c","token":"abcde"})", limits);
  EXPECT_EQ(error.code, ErrorCode::kBadMessage);
  EXPECT_EQ(error.message, "token: is longer than 4 bytes");
}

TEST(DecodeClientTest, DuplicateKeysKeepTheLast) {
  EXPECT_EQ(client<Ping>(R"({"t":"ping","id":1,"id":2})").id, 2u);
}

}  // namespace
}  // namespace tandem::proto
