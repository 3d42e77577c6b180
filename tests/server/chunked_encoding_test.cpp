#include "server/chunked_encoding.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tandem::server {
namespace {

TEST(ChunkedEncoding, SizeInHexThenDataThenCrlf) {
  std::string wire;
  append_chunk("data: {}\n\n", wire);
  EXPECT_EQ(wire, "a\r\ndata: {}\n\n\r\n");
}

TEST(ChunkedEncoding, AppendsAfterWhatIsThere) {
  std::string wire = "HTTP/1.1 200 OK\r\n\r\n";
  append_chunk(std::string(300, 'x'), wire);
  EXPECT_EQ(wire, "HTTP/1.1 200 OK\r\n\r\n12c\r\n" + std::string(300, 'x') + "\r\n");
}

TEST(ChunkedEncoding, EmptyDataWritesNothingBecauseAnEmptyChunkWouldEndTheBody) {
  std::string wire = "x";
  append_chunk("", wire);
  EXPECT_EQ(wire, "x");
  EXPECT_EQ(kLastChunk, "0\r\n\r\n");
}

}  // namespace
}  // namespace tandem::server
