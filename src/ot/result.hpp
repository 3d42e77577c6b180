#pragma once

#include "common/result.hpp"
#include "ot/error.hpp"

namespace tandem::ot {

// A value or an ot::Error; Result<void> for success with nothing to return.
template <typename T>
using Result = tandem::Result<T, Error>;

}  // namespace tandem::ot
