#include "bench/chunked_decoder.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tandem::bench {
namespace {

using Result = ChunkedDecoder::Result;

TEST(ChunkedDecoder, JoinsTheDataOfEveryChunk) {
  ChunkedDecoder decoder;
  std::string out;
  EXPECT_EQ(decoder.feed("5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n", out), Result::kMore);
  EXPECT_EQ(out, "hello 0123456789");
}

TEST(ChunkedDecoder, EndsAtTheLastChunkAfterItsTrailers) {
  ChunkedDecoder decoder;
  std::string out;
  EXPECT_EQ(decoder.feed("2\r\nok\r\n0\r\n", out), Result::kMore);
  EXPECT_EQ(decoder.feed("Trailer: x\r\n", out), Result::kMore);
  EXPECT_EQ(decoder.feed("\r\nignored", out), Result::kEnd);
  EXPECT_EQ(out, "ok");
  EXPECT_EQ(decoder.feed("more", out), Result::kEnd);
}

TEST(ChunkedDecoder, AnyByteSplitGivesTheSameData) {
  const std::string wire = "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n3\r\n123\r\n0\r\n\r\n";
  for (std::size_t piece = 1; piece <= wire.size(); ++piece) {
    ChunkedDecoder decoder;
    std::string out;
    Result last = Result::kMore;
    for (std::size_t at = 0; at < wire.size(); at += piece) {
      last = decoder.feed(std::string_view(wire).substr(at, piece), out);
    }
    EXPECT_EQ(last, Result::kEnd) << piece;
    EXPECT_EQ(out, "abcdefghijklmnopqrstuvwxyz123") << piece;
  }
}

TEST(ChunkedDecoder, RefusesWhatIsNotChunked) {
  for (const char* wire : {"data: x\n\n", "\r\n", "5\r\nhelloX", "5\nhello\r\n",
                           "123456789abcdef01\r\n", "2\r\nok\r\r"}) {
    ChunkedDecoder decoder;
    std::string out;
    EXPECT_EQ(decoder.feed(wire, out), Result::kMalformed) << wire;
    EXPECT_EQ(decoder.feed("0\r\n\r\n", out), Result::kMalformed) << wire;
  }
}

}  // namespace
}  // namespace tandem::bench
