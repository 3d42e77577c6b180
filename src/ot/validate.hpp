#pragma once

#include "ot/limits.hpp"
#include "ot/op.hpp"
#include "ot/result.hpp"

namespace tandem::ot {

// Checks an op the way ot-text-unicode's checkOp does (no empty components, no adjacent or
// trailing skips) and also what the reference leaves unchecked: lengths within kMaxLength,
// inserts that are valid UTF-8 without surrogates, and the bounds in `limits`.
Result<void> check_op(const Op& op, const Limits& limits);

}  // namespace tandem::ot
