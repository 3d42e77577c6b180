#pragma once

#include <string>
#include <string_view>

#include "ot/limits.hpp"
#include "ot/op.hpp"
#include "ot/result.hpp"
#include "ot/rope.hpp"

namespace tandem::ot {

// Call these qualified (ot::apply): unqualified, arguments from namespace std let ADL
// pick std::apply instead.

// Applies `op` to the document in place: the server's path. The op is checked against the
// document first (skips and deletes must stay inside it, the result must fit
// limits.max_document_bytes), so on error the document is unchanged. Cost is O(k log n) for
// an op of k components. `op` must have passed check_op (decode_op does that).
Result<void> apply(Rope& doc, const Op& op, const Limits& limits = {});

// Same on a plain string, which must be valid UTF-8 (checked); returns the new text.
Result<std::string> apply(std::string_view doc, const Op& op, const Limits& limits = {});

}  // namespace tandem::ot
