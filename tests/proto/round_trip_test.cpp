// Properties over seeded random messages of every type: encode -> decode gives the message
// back, and encoding is stable (encode(decode(encode(m))) == encode(m)).

#include <gtest/gtest.h>

#include "proto_test_support.hpp"

namespace tandem::proto {
namespace {

constexpr int kCases = 20'000;

TEST(RoundTripTest, ClientMessages) {
  test::Random random(7);
  for (int i = 0; i < kCases; ++i) {
    const ClientMessage message = random.client_message();
    const std::string json = encode(message);
    auto decoded = decode_client_message(json);
    ASSERT_TRUE(decoded.ok()) << json << ": " << decoded.error().message;
    ASSERT_EQ(*decoded, message) << json;
    ASSERT_EQ(encode(*decoded), json);
  }
}

TEST(RoundTripTest, ServerMessages) {
  test::Random random(8);
  for (int i = 0; i < kCases; ++i) {
    const ServerMessage message = random.server_message();
    const std::string json = encode(message);
    auto decoded = decode_server_message(json);
    ASSERT_TRUE(decoded.ok()) << json << ": " << decoded.error().message;
    ASSERT_EQ(*decoded, message) << json;
    ASSERT_EQ(encode(*decoded), json);
  }
}

TEST(RoundTripTest, Batches) {
  test::Random random(9);
  for (int i = 0; i < 500; ++i) {
    std::vector<ClientMessage> messages(random.below(20));
    for (auto& message : messages) message = random.client_message();
    auto batch = decode_client_batch(encode_batch(messages));
    ASSERT_TRUE(batch.ok());
    ASSERT_EQ(batch->size(), messages.size());
    for (std::size_t k = 0; k < messages.size(); ++k) {
      ASSERT_TRUE((*batch)[k].ok());
      ASSERT_EQ(*(*batch)[k], messages[k]);
    }
  }
}

TEST(RoundTripTest, EveryErrorCode) {
  for (int i = 0; i <= static_cast<int>(kLastErrorCode); ++i) {
    const ErrorMessage message{static_cast<ErrorCode>(i), "m", std::nullopt, std::nullopt, false};
    auto decoded = decode_server_message(encode(message));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(std::get<ErrorMessage>(*decoded), message) << error_code_name(message.code);
  }
}

}  // namespace
}  // namespace tandem::proto
