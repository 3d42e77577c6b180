#include "ot/transform.hpp"

#include "ot/op_reader.hpp"

namespace tandem::ot {

Op transform(const Op& op, const Op& other, Side side) {
  Op result;
  result.reserve(op.size() + other.size());
  OpReader reader(op);
  for (const Component& c2 : other) {
    switch (c2.kind()) {
      case Component::Kind::kSkip: {
        // Carry our components across the text both ops keep; our inserts ride along.
        std::uint64_t length = c2.length();
        while (length > 0) {
          const Piece c1 = *reader.take(length, OpReader::Whole::kInserts);
          append_piece(result, c1);
          if (c1.kind != Component::Kind::kInsert) length -= c1.length;
        }
        break;
      }
      case Component::Kind::kInsert: {
        // On the left our insert at this spot goes first; the other's text is then skipped.
        if (side == Side::kLeft) {
          const Component* next = reader.peek();
          if (next != nullptr && next->is_insert()) {
            append_piece(result, *reader.take(OpReader::kRest, OpReader::Whole::kInserts));
          }
        }
        append_skip(result, c2.length());
        break;
      }
      case Component::Kind::kDelete: {
        // Text the other op deleted vanishes from ours, except what we insert there.
        std::uint64_t length = c2.length();
        while (length > 0) {
          const Piece c1 = *reader.take(length, OpReader::Whole::kInserts);
          if (c1.kind == Component::Kind::kInsert) {
            append_piece(result, c1);
          } else {
            length -= c1.length;
          }
        }
        break;
      }
    }
  }
  while (auto rest = reader.take(OpReader::kRest, OpReader::Whole::kInserts)) {
    append_piece(result, *rest);
  }
  trim(result);
  return result;
}

}  // namespace tandem::ot
