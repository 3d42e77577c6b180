#include "ot/compose.hpp"

#include "ot/op_reader.hpp"

namespace tandem::ot {

Op compose(const Op& first, const Op& second) {
  Op result;
  result.reserve(first.size() + second.size());
  OpReader reader(first);
  for (const Component& c2 : second) {
    switch (c2.kind()) {
      case Component::Kind::kSkip: {
        // Keep what first did over the kept text; first's deletes take no room in it.
        std::uint64_t length = c2.length();
        while (length > 0) {
          const Piece chunk = *reader.take(length, OpReader::Whole::kDeletes);
          append_piece(result, chunk);
          if (chunk.kind != Component::Kind::kDelete) length -= chunk.length;
        }
        break;
      }
      case Component::Kind::kInsert:
        append_insert(result, c2.text(), c2.length());
        break;
      case Component::Kind::kDelete: {
        // Deleting text that first inserted cancels both; deleting kept text stays a delete.
        const std::uint64_t length = c2.length();
        std::uint64_t offset = 0;
        while (offset < length) {
          const Piece chunk = *reader.take(length - offset, OpReader::Whole::kDeletes);
          switch (chunk.kind) {
            case Component::Kind::kSkip:
              append_delete(result, chunk.length);
              offset += chunk.length;
              break;
            case Component::Kind::kInsert:
              offset += chunk.length;
              break;
            case Component::Kind::kDelete:
              append_piece(result, chunk);
              break;
          }
        }
        break;
      }
    }
  }
  while (auto rest = reader.take(OpReader::kRest, OpReader::Whole::kDeletes)) {
    append_piece(result, *rest);
  }
  trim(result);
  return result;
}

}  // namespace tandem::ot
