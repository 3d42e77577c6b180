#pragma once

#include "ot/op.hpp"

namespace tandem::ot {

// Rewrites `op` so it applies after `other`, both made against the same document. When both
// insert at one position, the op on Side::kLeft keeps its text first. Exactly the algorithm
// of ot-text-unicode's transform, so results match it component for component; with
// side = kLeft for one op and kRight for the other, both orders converge:
// apply(apply(d, a), transform(b, a, kRight)) == apply(apply(d, b), transform(a, b, kLeft)).
// Both ops must have passed check_op; the result is normalised.
Op transform(const Op& op, const Op& other, Side side);

}  // namespace tandem::ot
