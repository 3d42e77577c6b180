#pragma once

#include "ot/op.hpp"
#include "ot/rope.hpp"

namespace tandem::ot {

// The op that undoes `op`: applied to the document `op` produced, it gives back `before`.
// Needs the text before `op` for what it deletes. `op` must apply to `before`.
Op invert(const Op& op, const Rope& before);

}  // namespace tandem::ot
