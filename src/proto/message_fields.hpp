#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ot/op.hpp"
#include "ot/position.hpp"
#include "proto/error.hpp"
#include "proto/field_reader.hpp"
#include "proto/limits.hpp"

namespace tandem::proto {

// The fields that several message types share, with the rules of docs/protocol.md; used by
// both the client and the server message decoders.

// A doc id (bad_doc_id when it is a string that breaks the rules).
Result<std::string> read_doc_id(const FieldReader& fields, std::string_view key = "doc");
// A client id (bad_client_id when it is a string that breaks the rules).
Result<std::string> read_client_id(const FieldReader& fields, std::string_view key = "client");
// "op": decoded and checked by the OT type; its errors keep their OT codes.
Result<ot::Op> read_op(const FieldReader& fields, const ProtoLimits& limits);
// "sel": [[anchor, head], ...], at most max_presence_ranges.
Result<std::vector<ot::Selection>> read_selections(const FieldReader& fields,
                                                   const ProtoLimits& limits);
// "name": at most max_name_code_points.
Result<std::optional<std::string>> read_name(const FieldReader& fields, const ProtoLimits& limits);
// "color": "#rrggbb".
Result<std::optional<std::string>> read_color(const FieldReader& fields);

}  // namespace tandem::proto
