// Messages on a bus channel may come from anything that can PUBLISH to Redis: arbitrary bytes
// never crash decode_frame, a decoded frame re-encodes to the same bytes, and every payload
// round-trips through encode_frame.

#include <cstdint>
#include <string>
#include <string_view>

#include "bus/bus_frame.hpp"
#include "fuzz_require.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tandem::bus;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  if (const auto frame = decode_frame(bytes)) {
    require(frame->from.size() == std::tuple_size_v<NodeId>);
    NodeId from{};
    frame->from.copy(from.data(), from.size());
    require(encode_frame(from, frame->payload) == bytes);
  }

  NodeId node{};
  for (std::size_t i = 0; i < node.size() && i < size; ++i) node[i] = bytes[i];
  const std::string message = encode_frame(node, bytes);
  const auto decoded = decode_frame(message);
  require(decoded.has_value());
  require(decoded->payload == bytes);
  require(decoded->from == std::string_view(node.data(), node.size()));
  return 0;
}
