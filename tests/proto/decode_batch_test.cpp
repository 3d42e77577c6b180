#include <gtest/gtest.h>

#include "proto/decode_client.hpp"
#include "proto_test_support.hpp"

namespace tandem::proto {
namespace {

TEST(DecodeBatchTest, EachMessageGetsItsOwnResult) {
  auto batch = decode_client_batch(
      R"([{"t":"sub","doc":"d","v":3},{"t":"op","doc":"d","v":3,"seq":2,"op":[1,1,"x"]},)"
      R"({"t":"ping","id":1},7,{"t":"nope"}])");
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->size(), 5u);
  EXPECT_TRUE((*batch)[0].ok());
  ASSERT_FALSE((*batch)[1].ok());
  EXPECT_EQ((*batch)[1].error().code, ErrorCode::kAdjacentSkips);
  EXPECT_EQ((*batch)[1].error().seq, 2u);
  ASSERT_TRUE((*batch)[2].ok());
  EXPECT_EQ(std::get<Ping>(*(*batch)[2]).id, 1u);
  EXPECT_EQ((*batch)[3].error().code, ErrorCode::kBadMessage);
  EXPECT_EQ((*batch)[4].error().code, ErrorCode::kUnknownType);
}

TEST(DecodeBatchTest, EmptyBatch) {
  auto batch = decode_client_batch(" [ ] ");
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(batch->empty());
}

TEST(DecodeBatchTest, WholeBatchErrors) {
  EXPECT_EQ(decode_client_batch(R"({"t":"ping","id":1})").error().code, ErrorCode::kBadMessage);
  EXPECT_EQ(decode_client_batch(R"({"t":"ping","id":1})").error().message,
            "batch must be a JSON array of messages");
  EXPECT_EQ(decode_client_batch("[{").error().code, ErrorCode::kBadJson);
  EXPECT_EQ(decode_client_batch("").error().code, ErrorCode::kBadJson);
  EXPECT_EQ(decode_client_batch("[\"\xFF\"]").error().code, ErrorCode::kInvalidUtf8);
  EXPECT_EQ(decode_client_batch(R"(["\udfff"])").error().code, ErrorCode::kLoneSurrogate);
}

TEST(DecodeBatchTest, Limits) {
  ProtoLimits limits;
  limits.max_batch_messages = 2;
  EXPECT_TRUE(decode_client_batch(R"([{"t":"ping","id":1},{"t":"ping","id":2}])", limits).ok());
  const auto too_many = decode_client_batch(
      R"([{"t":"ping","id":1},{"t":"ping","id":2},{"t":"ping","id":3}])", limits);
  EXPECT_EQ(too_many.error().code, ErrorCode::kMessageTooLarge);
  EXPECT_EQ(too_many.error().message, "batch has 3 messages, limit is 2");
  // The whole body counts against max_message_bytes.
  limits = ProtoLimits{};
  limits.max_message_bytes = 30;
  const auto too_big = decode_client_batch(R"([{"t":"ping","id":1},{"t":"ping","id":2}])", limits);
  EXPECT_EQ(too_big.error().code, ErrorCode::kMessageTooLarge);
  // The default allows 256 messages.
  std::string body = "[";
  for (int i = 0; i < 257; ++i) body += (i == 0 ? "" : ",") + std::string(R"({"t":"ping","id":0})");
  EXPECT_EQ(decode_client_batch(body + "]").error().code, ErrorCode::kMessageTooLarge);
}

TEST(DecodeBatchTest, DepthLimitAppliesToEachMessage) {
  // A message at the depth limit passes inside a batch as it does alone.
  const std::string deep =
      R"({"t":"ping","id":1,"x":)" + std::string(15, '[') + std::string(15, ']') + "}";
  auto batch = decode_client_batch("[" + deep + "]");
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE((*batch)[0].ok());
  const std::string deeper =
      R"({"t":"ping","id":1,"x":)" + std::string(16, '[') + std::string(16, ']') + "}";
  EXPECT_EQ(decode_client_batch("[" + deeper + "]").error().code, ErrorCode::kTooDeep);
}

TEST(DecodeBatchTest, EncodeBatchRoundTrips) {
  const std::vector<ClientMessage> messages = {
      Subscribe{"d", 4}, SubmitOp{"d", 4, 1, {ot::Component::insert("😀")}}, Ping{3}};
  const std::string body = encode_batch(messages);
  EXPECT_EQ(
      body,
      R"([{"t":"sub","doc":"d","v":4},{"t":"op","doc":"d","v":4,"seq":1,"op":["😀"]},{"t":"ping","id":3}])");
  auto batch = decode_client_batch(body);
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->size(), 3u);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    ASSERT_TRUE((*batch)[i].ok());
    EXPECT_EQ(*(*batch)[i], messages[i]);
  }
  EXPECT_EQ(encode_batch({}), "[]");
}

}  // namespace
}  // namespace tandem::proto
