// WebSocket frames from a server and target URLs: arbitrary bytes never crash the readers; a
// frame taken consumes exactly its bytes, and what the doctor encodes reads back (unmasked).

#include <cstdint>
#include <string>
#include <string_view>

#include "doctor/target.hpp"
#include "doctor/websocket_frames.hpp"
#include "fuzz_require.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tandem::doctor;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  std::string buffer(text);
  std::string error;
  std::size_t before = buffer.size();
  while (auto frame = take_server_frame(buffer, error)) {
    require(buffer.size() < before && frame->payload.size() <= before);
    before = buffer.size();
  }
  require(buffer.size() <= text.size());

  // A client frame is masked; unmasking it by hand gives the payload back.
  const std::string frame = encode_client_frame(WsOpcode::kText, text, 0x01020304U);
  require(frame.size() >= text.size() + 6);
  require((static_cast<std::uint8_t>(frame[1]) & 0x80U) != 0);

  auto target = parse_target(text);
  if (target) {
    require(!target->host.empty() && !target->port.empty());
    require(target->base_path.empty() || target->base_path.back() != '/');
  } else {
    require(!target.error().empty());
  }
  return 0;
}
