#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "ot/limits.hpp"
#include "ot/op.hpp"
#include "ot/result.hpp"

namespace tandem::ot {

// What the decoder does with adjacent inserts ("a", "b") or deletes, which ot-text-unicode
// accepts unmerged. Merging them changes nothing for apply and compose, but transform takes
// unmerged inserts one at a time like the reference, and then the two orders of a concurrent
// pair can diverge (docs/ot.md), so everything a server receives is merged.
enum class Boundaries : std::uint8_t {
  kMerge,  // return the normalised op (the default)
  kKeep,   // keep the components as sent, to reproduce the reference exactly (ot-eval)
};

// Decodes the JSON text of an op, e.g. [3, "hi", {"d": 2}] or [1, {"d": "old"}], and checks
// it with check_op. {"d": "text"} becomes a delete of the text's code point count.
Result<Op> decode_op(std::string_view json, const Limits& limits = {},
                     Boundaries boundaries = Boundaries::kMerge);

// Decodes an op that arrived inside a larger JSON message (same checks as decode_op).
Result<Op> op_from_json(const boost::json::value& json, const Limits& limits = {},
                        Boundaries boundaries = Boundaries::kMerge);

// Appends the op's JSON text to `out`; the result always decodes back to the same op.
void encode_op(const Op& op, std::string& out);
std::string encode_op(const Op& op);

// The op as a JSON array, for embedding in a larger message.
boost::json::value op_to_json(const Op& op);

// Appends `text` (valid UTF-8) as a JSON string literal, escaping only what JSON requires.
void append_json_string(std::string_view text, std::string& out);

// True when the JSON text holds a \uXXXX escape of a surrogate that is not part of a pair.
bool has_lone_surrogate_escape(std::string_view json);

}  // namespace tandem::ot
