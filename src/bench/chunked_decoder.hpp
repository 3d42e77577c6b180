#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tandem::bench {

// Decodes an HTTP/1.1 chunked body (RFC 9112 §7.1) as its bytes arrive, for the bench's SSE
// client, which reads the stream itself rather than through Beast's parser. Chunk extensions
// and trailers are skipped.
class ChunkedDecoder {
 public:
  enum class Result { kMore, kEnd, kMalformed };

  // Appends the data of every chunk complete or partial in `bytes` to `out`. kEnd once the last
  // chunk (and its trailers) has been read; bytes after it are ignored. kMalformed is final.
  Result feed(std::string_view bytes, std::string& out);

 private:
  enum class State { kSize, kExtension, kSizeLf, kData, kDataCr, kDataLf, kTrailer, kEnd, kBad };
  Result fail();

  State state_ = State::kSize;
  std::size_t remaining_ = 0;     // data bytes left in the current chunk
  std::size_t digits_ = 0;        // hex digits of the size read so far
  std::size_t trailer_line_ = 0;  // bytes of the current trailer line, CR aside
};

}  // namespace tandem::bench
