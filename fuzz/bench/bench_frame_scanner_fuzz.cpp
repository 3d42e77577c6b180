// The frame scanner never crashes, and wherever the full codec accepts a single message the
// scanner reads the same type, version, seq and client.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "bench/frame_scanner.hpp"
#include "fuzz_require.hpp"
#include "proto/decode_server.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  std::vector<tandem::bench::ScannedMessage> scanned;
  const bool ok = tandem::bench::scan_server_frame(frame, scanned);
  for (const auto& message : scanned) {
    require(message.json.data() >= frame.data() &&
            message.json.data() + message.json.size() <= frame.data() + frame.size());
  }
  auto decoded = tandem::proto::decode_server_message(frame);
  if (!decoded) return 0;
  require(ok && scanned.size() == 1);
  const auto& m = scanned.front();
  using tandem::proto::ServerType;
  if (const auto* op = std::get_if<tandem::proto::OpMessage>(&*decoded)) {
    require(m.kind == ServerType::kOp && m.version == op->version && m.seq == op->seq);
    require(m.client == op->client && m.doc == op->doc);
  } else if (const auto* ack = std::get_if<tandem::proto::Ack>(&*decoded)) {
    require(m.kind == ServerType::kAck && m.version == ack->version && m.seq == ack->seq);
  } else if (std::holds_alternative<tandem::proto::Snapshot>(*decoded)) {
    require(m.kind == ServerType::kSnapshot);
  } else if (std::holds_alternative<tandem::proto::ErrorMessage>(*decoded)) {
    require(m.kind == ServerType::kError);
  }
  return 0;
}
