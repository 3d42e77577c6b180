#include "doctor/websocket_frames.hpp"

#include <gtest/gtest.h>

namespace tandem::doctor {
namespace {

std::string unmask(const std::string& frame, std::size_t header) {
  std::string payload;
  for (std::size_t i = header + 4; i < frame.size(); ++i) {
    payload.push_back(static_cast<char>(frame[i] ^ frame[header + (i - header - 4) % 4]));
  }
  return payload;
}

TEST(WebSocketFrames, ClientFramesAreMaskedWithTheRightLengthForm) {
  const std::string small = encode_client_frame(WsOpcode::kText, "hello", 0xA1B2C3D4U);
  EXPECT_EQ(static_cast<unsigned char>(small[0]), 0x81);
  EXPECT_EQ(static_cast<unsigned char>(small[1]), 0x80 | 5);
  EXPECT_EQ(unmask(small, 2), "hello");
  const std::string medium = encode_client_frame(WsOpcode::kText, std::string(300, 'x'), 7);
  EXPECT_EQ(static_cast<unsigned char>(medium[1]), 0x80 | 126);
  EXPECT_EQ(unmask(medium, 4), std::string(300, 'x'));
  const std::string large = encode_client_frame(WsOpcode::kBinary, std::string(70000, 'y'), 9);
  EXPECT_EQ(static_cast<unsigned char>(large[1]), 0x80 | 127);
  EXPECT_EQ(unmask(large, 10), std::string(70000, 'y'));
}

TEST(WebSocketFrames, ServerFramesAreTakenWholeAndInOrder) {
  std::string buffer = std::string("\x81\x02hi", 4) + std::string("\x89\x00", 2) + "\x81";
  std::string error;
  auto first = take_server_frame(buffer, error);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->opcode, WsOpcode::kText);
  EXPECT_TRUE(first->final);
  EXPECT_EQ(first->payload, "hi");
  auto second = take_server_frame(buffer, error);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->opcode, WsOpcode::kPing);
  EXPECT_FALSE(take_server_frame(buffer, error));  // one byte of the next: incomplete
  EXPECT_TRUE(error.empty());
  EXPECT_EQ(buffer, "\x81");
}

TEST(WebSocketFrames, ExtendedLengthsAndRefusals) {
  std::string buffer = std::string("\x81\x7e\x01\x00", 4) + std::string(256, 'z');
  std::string error;
  auto frame = take_server_frame(buffer, error);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->payload.size(), 256u);
  std::string masked("\x81\x85\x00\x00\x00\x00hello", 11);
  EXPECT_FALSE(take_server_frame(masked, error));
  EXPECT_EQ(error, "the server sent a masked frame");
  std::string huge("\x81\x7f\x00\x00\x00\x00\x10\x00\x00\x00", 10);
  error.clear();
  EXPECT_FALSE(take_server_frame(huge, error));
  EXPECT_EQ(error, "a frame larger than 16 MiB");
}

}  // namespace
}  // namespace tandem::doctor
