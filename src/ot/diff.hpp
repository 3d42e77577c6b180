#pragma once

#include <string_view>

#include "ot/op.hpp"

namespace tandem::ot {

// An op turning `from` into `to` (both valid UTF-8): keep the longest common prefix and
// suffix, delete what lies between in `from`, insert what lies between in `to`. Used to
// re-apply a client's pending text against a fresh snapshot. Never splits a code point;
// the result is normalised (and empty when the texts are equal).
Op diff(std::string_view from, std::string_view to);

}  // namespace tandem::ot
