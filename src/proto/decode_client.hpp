#pragma once

#include <boost/json/value.hpp>
#include <string_view>
#include <vector>

#include "proto/error.hpp"
#include "proto/limits.hpp"
#include "proto/messages.hpp"

namespace tandem::proto {

// Decodes and validates one client message (a WebSocket text frame). Errors carry the code to
// send back and, once they were read, the message's doc and seq. Never throws.
Result<ClientMessage> decode_client_message(std::string_view json, const ProtoLimits& limits = {});

// Decodes a POST /v1/send body: a JSON array of client messages. The outer error is for a body
// that is unusable as a whole (not JSON, not an array, too large, more than
// max_batch_messages); otherwise each message gets its own result, so one bad message does
// not void the others.
using BatchResult = Result<std::vector<Result<ClientMessage>>>;
BatchResult decode_client_batch(std::string_view json, const ProtoLimits& limits = {});

// One message already parsed as JSON (the size, UTF-8 and depth checks are the caller's).
Result<ClientMessage> decode_client_value(const boost::json::value& json,
                                          const ProtoLimits& limits);

}  // namespace tandem::proto
