#include "collab/bus_message.hpp"

#include "ot/op_json.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace tandem::collab {
namespace {

constexpr std::size_t kMaxBytes = 1 << 20;

BusMessage round_trip(const BusMessage& message) {
  const std::string encoded = encode_bus_message(message);
  auto decoded = decode_bus_message(encoded, kMaxBytes);
  EXPECT_TRUE(decoded.ok()) << encoded << ": " << (decoded.ok() ? "" : decoded.error().message);
  if (!decoded.ok()) return BusHead{};
  // Stable after one round (op JSON is re-serialised from its parsed form, escapes and all).
  const std::string again = encode_bus_message(decoded.value());
  auto twice = decode_bus_message(again, kMaxBytes);
  EXPECT_TRUE(twice.ok());
  if (twice.ok()) {
    EXPECT_EQ(encode_bus_message(twice.value()), again);
  }
  return std::move(decoded.value());
}

TEST(BusMessage, OpsRoundTrip) {
  BusOps ops{{{41, "alice", 7, R"([3,"h\u00e9\ud83d\ude00",{"d":2}])", 1'700'000'000'123},
              {42, "b\"ob", 1, R"([])", 0}}};
  // The op JSON is re-serialised from its parsed form: compare through the op decoder.
  const auto decoded = round_trip(ops);
  const auto* back = std::get_if<BusOps>(&decoded);
  ASSERT_NE(back, nullptr);
  ASSERT_EQ(back->ops.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back->ops[i].version, ops.ops[i].version);
    EXPECT_EQ(back->ops[i].client, ops.ops[i].client);
    EXPECT_EQ(back->ops[i].seq, ops.ops[i].seq);
    EXPECT_EQ(back->ops[i].time_ms, ops.ops[i].time_ms);
    EXPECT_EQ(ot::decode_op(back->ops[i].op_json).value(),
              ot::decode_op(ops.ops[i].op_json).value());
  }
}

TEST(BusMessage, HeadPresenceAndGoneRoundTrip) {
  const auto head = round_trip(BusHead{18446744073709551615ULL});
  ASSERT_TRUE(std::holds_alternative<BusHead>(head));
  EXPECT_EQ(std::get<BusHead>(head).head, 18446744073709551615ULL);

  BusPresence presence{"c-1", 9, PresenceState{{{1, 4}, {7, 7}}, "Ada \u00e9", "#ff00aa"}};
  const auto back = round_trip(presence);
  ASSERT_TRUE(std::holds_alternative<BusPresence>(back));
  const auto& got = std::get<BusPresence>(back);
  EXPECT_EQ(got.client, "c-1");
  EXPECT_EQ(got.version, 9u);
  EXPECT_EQ(got.state.selections, presence.state.selections);
  EXPECT_EQ(got.state.name, presence.state.name);
  EXPECT_EQ(got.state.color, presence.state.color);

  const auto empty = round_trip(BusPresence{"c", 0, {}});
  EXPECT_TRUE(std::get<BusPresence>(empty).state.selections.empty());

  const auto gone = round_trip(BusGone{"c-2"});
  ASSERT_TRUE(std::holds_alternative<BusGone>(gone));
  EXPECT_EQ(std::get<BusGone>(gone).client, "c-2");
}

struct BadCase {
  const char* name;
  const char* payload;
  proto::ErrorCode code;
};

TEST(BusMessage, RefusesMalformedInputWithACodeAndAMessage) {
  using proto::ErrorCode;
  const BadCase cases[] = {
      {"not json", "{", ErrorCode::kBadJson},
      {"empty", "", ErrorCode::kBadJson},
      {"not an object", "[1]", ErrorCode::kBadMessage},
      {"no type", R"({"head":1})", ErrorCode::kBadMessage},
      {"type not a string", R"({"t":1})", ErrorCode::kBadMessage},
      {"unknown type", R"({"t":"nope"})", ErrorCode::kBadMessage},
      {"head missing", R"({"t":"head"})", ErrorCode::kBadMessage},
      {"head negative", R"({"t":"head","head":-1})", ErrorCode::kBadMessage},
      {"head fractional", R"({"t":"head","head":1.5})", ErrorCode::kBadMessage},
      {"gone without client", R"({"t":"gone"})", ErrorCode::kBadMessage},
      {"ops empty", R"({"t":"ops","ops":[]})", ErrorCode::kBadMessage},
      {"ops not an array", R"({"t":"ops","ops":{}})", ErrorCode::kBadMessage},
      {"op not an object", R"({"t":"ops","ops":[1]})", ErrorCode::kBadMessage},
      {"op without body", R"({"t":"ops","ops":[{"v":1,"c":"a","s":1,"tm":0}]})",
       ErrorCode::kBadMessage},
      {"op with negative time", R"({"t":"ops","ops":[{"v":1,"c":"a","s":1,"tm":-5,"o":[]}]})",
       ErrorCode::kBadMessage},
      {"op time past int64",
       R"({"t":"ops","ops":[{"v":1,"c":"a","s":1,"tm":9223372036854775808,"o":[]}]})",
       ErrorCode::kBadMessage},
      {"op versions with a gap",
       R"({"t":"ops","ops":[{"v":1,"c":"a","s":1,"tm":0,"o":[]},{"v":3,"c":"a","s":2,"tm":0,"o":[]}]})",
       ErrorCode::kBadMessage},
      {"op with a fraction", R"({"t":"ops","ops":[{"v":1,"c":"a","s":1,"tm":0,"o":[1.5,"x"]}]})",
       ErrorCode::kBadMessage},
      // Parsed as a double and serialised as something that is not JSON any more.
      {"op with an infinite number",
       R"({"t":"ops","ops":[{"v":1,"c":"a","s":1,"tm":0,"o":[{"d":2232222e2222222}]}]})",
       ErrorCode::kBadMessage},
      {"presence without sel", R"({"t":"presence","c":"a","v":0,"name":"","color":""})",
       ErrorCode::kBadMessage},
      {"selection of one end", R"({"t":"presence","c":"a","v":0,"name":"","color":"","sel":[[1]]})",
       ErrorCode::kBadMessage},
      {"selection end negative",
       R"({"t":"presence","c":"a","v":0,"name":"","color":"","sel":[[1,-2]]})",
       ErrorCode::kBadMessage},
  };
  for (const BadCase& bad : cases) {
    auto decoded = decode_bus_message(bad.payload, kMaxBytes);
    ASSERT_FALSE(decoded.ok()) << bad.name;
    EXPECT_EQ(decoded.error().code, bad.code) << bad.name << ": " << decoded.error().message;
    EXPECT_FALSE(decoded.error().message.empty()) << bad.name;
  }
}

TEST(BusMessage, RefusesPayloadsOverTheLimitAndTooDeep) {
  const std::string encoded = encode_bus_message(BusGone{std::string(200, 'x')});
  EXPECT_FALSE(decode_bus_message(encoded, 100).ok());
  EXPECT_TRUE(decode_bus_message(encoded, 1000).ok());
  std::string deep =
      R"({"t":"gone","c":"a","x":)" + std::string(200, '[') + std::string(200, ']') + "}";
  EXPECT_FALSE(decode_bus_message(deep, kMaxBytes).ok());
}

}  // namespace
}  // namespace tandem::collab
