#pragma once

#include <cstddef>

#include "ot/limits.hpp"

namespace tandem::proto {

// Bounds on untrusted messages; the server fills these from its configuration.
struct ProtoLimits {
  // One WebSocket frame, SSE event or POST /v1/send body (a whole batch counts as one).
  std::size_t max_message_bytes = 1u << 20;
  // Nesting of arrays and objects in one message; a batch's own array does not count.
  std::size_t max_depth = 16;
  // Messages in one POST /v1/send batch.
  std::size_t max_batch_messages = 256;
  // UTF-8 bytes of the hello token (a JWT).
  std::size_t max_token_bytes = 8192;
  // The hello negotiation report: compact JSON size and nesting (the object itself is 1).
  std::size_t max_negotiation_bytes = 4096;
  std::size_t max_negotiation_depth = 4;
  // Presence: selection ranges per update and code points of the display name.
  std::size_t max_presence_ranges = 32;
  std::size_t max_name_code_points = 64;
  // Ops inside op messages.
  ot::Limits op;

  // For decoding what a server sends (tandem doctor, tandem bench): snapshots of the largest
  // document a server accepts, with room for escapes.
  static ProtoLimits for_server_messages() {
    ProtoLimits limits;
    limits.max_message_bytes = 8 * limits.op.max_document_bytes;
    return limits;
  }
};

}  // namespace tandem::proto
