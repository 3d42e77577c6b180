// Arbitrary bytes as a server message (what tandem doctor and tandem bench read): decoding
// never crashes, and whatever decodes survives encode -> decode unchanged.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_round_trip.hpp"
#include "proto/decode_server.hpp"
#include "proto/encode_server.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tandem::proto;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ProtoLimits limits;
  limits.max_message_bytes = 64u << 10;
  auto message = decode_server_message(input, limits);
  if (message.ok()) {
    const ProtoLimits roomy = fuzz::roomy(limits);
    fuzz::check_round_trip(
        *message, [&](std::string_view json) { return decode_server_message(json, roomy); },
        [](const ServerMessage& m) { return encode(m); });
  }
  return 0;
}
