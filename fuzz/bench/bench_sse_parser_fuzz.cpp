// The SSE parser never crashes, and how the bytes are split into reads does not change the
// events it dispatches.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bench/sse_event_parser.hpp"
#include "fuzz_require.hpp"

namespace {

std::vector<std::string> parse(std::string_view stream, std::size_t piece) {
  tandem::bench::SseEventParser parser(1 << 16);
  std::vector<std::string> events;
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    const bool ok =
        parser.feed(stream.substr(at, piece), [&](std::string_view data, std::string_view id) {
          events.push_back(std::string(id) + "|" + std::string(data));
        });
    if (!ok) {
      events.emplace_back("<too large>");
      break;
    }
  }
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 17;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto whole = parse(stream, stream.size() + 1);
  const auto pieces = parse(stream, piece);
  // A too-large event may be noticed earlier in pieces; up to there they agree.
  if (whole.empty() || whole.back() != "<too large>") {
    if (pieces.empty() || pieces.back() != "<too large>") require(whole == pieces);
  }
  return 0;
}
