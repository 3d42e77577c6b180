// The chunked decoder never crashes, and how the bytes are split into reads does not change
// the data it yields or where it ends.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bench/chunked_decoder.hpp"
#include "fuzz_require.hpp"

namespace {

struct Decoded {
  std::string data;
  tandem::bench::ChunkedDecoder::Result result = tandem::bench::ChunkedDecoder::Result::kMore;
};

Decoded decode(std::string_view wire, std::size_t piece) {
  tandem::bench::ChunkedDecoder decoder;
  Decoded decoded;
  for (std::size_t at = 0; at < wire.size(); at += piece) {
    decoded.result = decoder.feed(wire.substr(at, piece), decoded.data);
  }
  return decoded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 13;
  const std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Decoded whole = decode(wire, wire.size() + 1);
  const Decoded pieces = decode(wire, piece);
  require(whole.result == pieces.result);
  // A malformed stream may have yielded different amounts before the fault was seen.
  if (whole.result != tandem::bench::ChunkedDecoder::Result::kMalformed) {
    require(whole.data == pieces.data);
  }
  return 0;
}
