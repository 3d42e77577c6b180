// Arbitrary bytes as a client message and as a POST /v1/send batch: decoding never crashes,
// and whatever decodes survives encode -> decode unchanged. A message that decodes alone
// decodes the same inside a batch.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_round_trip.hpp"
#include "proto/decode_client.hpp"
#include "proto/encode_client.hpp"

namespace {

using namespace tandem::proto;

void check(const ClientMessage& message, const ProtoLimits& limits) {
  fuzz::check_round_trip(
      message, [&](std::string_view json) { return decode_client_message(json, limits); },
      [](const ClientMessage& m) { return encode(m); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ProtoLimits limits;
  limits.max_message_bytes = 64u << 10;
  limits.max_batch_messages = 64;
  const ProtoLimits roomy = fuzz::roomy(limits);

  auto message = decode_client_message(input, limits);
  if (message.ok()) {
    check(*message, roomy);
    auto batch = decode_client_batch("[" + std::string(input) + "]", roomy);
    if (!batch.ok() || batch->size() != 1 || !(*batch)[0].ok() || !(*(*batch)[0] == *message)) {
      fuzz::fail("message decodes alone but not in a batch", std::string(input), "");
    }
  }
  auto batch = decode_client_batch(input, limits);
  if (batch.ok()) {
    for (const auto& item : *batch) {
      if (item.ok()) check(*item, roomy);
    }
  }
  return 0;
}
