#include "ot/position.hpp"

#include <algorithm>

namespace tandem::ot {

std::uint64_t transform_position(std::uint64_t position, const Op& op) {
  // `pos` walks the new document; components at or after the cursor cannot move it.
  std::uint64_t pos = 0;
  for (std::size_t i = 0; i < op.size() && position > pos; ++i) {
    const Component& c = op[i];
    switch (c.kind()) {
      case Component::Kind::kSkip:
        pos += c.length();
        break;
      case Component::Kind::kInsert:
        pos += c.length();
        position += c.length();
        break;
      case Component::Kind::kDelete:
        position -= std::min(c.length(), position - pos);
        break;
    }
  }
  return position;
}

Selection transform_selection(const Selection& selection, const Op& op) {
  return Selection{transform_position(selection.anchor, op),
                   transform_position(selection.head, op)};
}

}  // namespace tandem::ot
