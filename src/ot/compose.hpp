#pragma once

#include "ot/op.hpp"

namespace tandem::ot {

// One op with the effect of `first` then `second` (second made against first's result):
// apply(apply(d, first), second) == apply(d, compose(first, second)). Exactly the algorithm
// of ot-text-unicode's compose. Both ops must have passed check_op; the result is normalised.
Op compose(const Op& first, const Op& second);

}  // namespace tandem::ot
