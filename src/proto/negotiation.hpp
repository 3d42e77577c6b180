#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "proto/error.hpp"
#include "proto/limits.hpp"
#include "proto/messages.hpp"

namespace tandem::proto {

// Wire names of the negotiation report: "websocket", "sse", "poll"; "ok", "refused", "hung",
// "silent", "buffered", "timeout", "origin", "error". kUnknown is "unknown".
std::string_view transport_name(Transport transport);
std::string_view outcome_name(Outcome outcome);
// Names this version does not know become kUnknown.
Transport parse_transport(std::string_view name);
Outcome parse_outcome(std::string_view name);

// The hello's "negotiation" object: at most max_negotiation_bytes of compact JSON and
// max_negotiation_depth levels; known fields are type-checked, unknown ones kept in `json`.
Result<Negotiation> decode_negotiation(const boost::json::value& value, const ProtoLimits& limits);

// Appends the report's known fields as a JSON object (`json` is not written).
void append_negotiation(const Negotiation& negotiation, std::string& out);

}  // namespace tandem::proto
