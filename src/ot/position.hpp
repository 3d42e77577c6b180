#pragma once

#include <cstdint>

#include "ot/op.hpp"

namespace tandem::ot {

// Moves a cursor (a code point position) through an op the way ot-text-unicode's
// transformPosition does. Text inserted exactly at the cursor does not push it, so the
// cursor stays before the new text; a cursor inside deleted text moves to its start.
std::uint64_t transform_position(std::uint64_t position, const Op& op);

// A selection; head may be before anchor (a backwards selection).
struct Selection {
  std::uint64_t anchor = 0;
  std::uint64_t head = 0;
  friend bool operator==(const Selection&, const Selection&) = default;
};

// Both ends moved with transform_position.
Selection transform_selection(const Selection& selection, const Op& op);

}  // namespace tandem::ot
