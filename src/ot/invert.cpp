#include "ot/invert.hpp"

#include <string>

namespace tandem::ot {

Op invert(const Op& op, const Rope& before) {
  Op inverse;
  std::size_t position = 0;  // in `before`
  for (const Component& component : op) {
    switch (component.kind()) {
      case Component::Kind::kSkip:
        append_skip(inverse, component.length());
        position += component.length();
        break;
      case Component::Kind::kInsert:
        append_delete(inverse, component.length());
        break;
      case Component::Kind::kDelete: {
        std::string removed = before.substr(position, component.length());
        append_insert(inverse, removed, component.length());
        position += component.length();
        break;
      }
    }
  }
  trim(inverse);
  return inverse;
}

}  // namespace tandem::ot
