#pragma once

#include <string_view>

#include "proto/error.hpp"
#include "proto/limits.hpp"
#include "proto/messages.hpp"

namespace tandem::proto {

// Decodes one server message, for the C++ clients (tandem doctor, tandem bench) and tests.
// Checks the same field rules as the server does on its input. An error "code" this version
// does not know decodes as internal, as docs/protocol.md tells clients to treat it.
Result<ServerMessage> decode_server_message(
    std::string_view json, const ProtoLimits& limits = ProtoLimits::for_server_messages());

}  // namespace tandem::proto
