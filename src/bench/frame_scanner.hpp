#pragma once

#include "proto/message_type.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace tandem::bench {

// What the generator needs of one server message, read without building it: the type, the
// top-level "v", "seq", "client" and "doc", and the message's own text for a full decode when
// it matters (snapshots, errors, probe clients). Strings are the raw JSON contents between
// the quotes (escapes left as they are; ids never need any).
struct ScannedMessage {
  proto::ServerType kind = proto::ServerType::kUnknown;
  std::optional<std::uint64_t> version;
  std::optional<std::uint64_t> seq;
  std::string_view client;
  std::string_view doc;
  std::string_view json;
};

// Skims a server frame: one JSON object, or a JSON array of objects (a coalesced WebSocket
// frame, a poll answer). The full codec costs about a microsecond per message and a receiving
// bench client sees hundreds of thousands a second, so this walks the bytes once and keeps
// only the fields above. Appends one entry per message to `out`; false when the frame is not
// an object or an array of objects (what was appended before the fault stays).
bool scan_server_frame(std::string_view frame, std::vector<ScannedMessage>& out);

}  // namespace tandem::bench
