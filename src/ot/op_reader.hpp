#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "ot/op.hpp"
#include "ot/utf8.hpp"

namespace tandem::ot {

// A piece of a component handed out by OpReader; text views into the op being read.
struct Piece {
  Component::Kind kind;
  std::uint64_t length;   // code points
  std::string_view text;  // inserts only
};

inline void append_piece(Op& op, const Piece& piece) {
  switch (piece.kind) {
    case Component::Kind::kSkip:
      append_skip(op, piece.length);
      return;
    case Component::Kind::kInsert:
      append_insert(op, piece.text, piece.length);
      return;
    case Component::Kind::kDelete:
      append_delete(op, piece.length);
      return;
  }
}

// Reads an op front to back in pieces of a requested length: ot-text-unicode's take/peek,
// shared by transform and compose so both split components exactly as the reference does.
class OpReader {
 public:
  // Which component kind take() hands out whole even when longer than asked for.
  enum class Whole : std::uint8_t { kInserts, kDeletes };
  static constexpr std::uint64_t kRest = std::numeric_limits<std::uint64_t>::max();

  explicit OpReader(const Op& op) : op_(op) {}

  // The component the next take() reads from, or nullptr at the end.
  [[nodiscard]] const Component* peek() const {
    return index_ < op_.size() ? &op_[index_] : nullptr;
  }

  // Takes up to `n` code points (kRest: the rest of the next component). Past the end of
  // the op there is an endless skip; nullopt only when asked for kRest there.
  std::optional<Piece> take(std::uint64_t n, Whole whole) {
    if (index_ == op_.size()) {
      if (n == kRest) return std::nullopt;
      return Piece{Component::Kind::kSkip, n, {}};
    }
    const Component& c = op_[index_];
    const std::uint64_t remaining = c.length() - offset_;
    const bool indivisible =
        (c.is_insert() && whole == Whole::kInserts) || (c.is_delete() && whole == Whole::kDeletes);
    if (n == kRest || indivisible || remaining <= n) {
      Piece piece{c.kind(), remaining, {}};
      if (c.is_insert()) {
        piece.text =
            std::string_view(c.text().data() + byte_offset_, c.text().size() - byte_offset_);
      }
      ++index_;
      offset_ = 0;
      byte_offset_ = 0;
      return piece;
    }
    Piece piece{c.kind(), n, {}};
    if (c.is_insert()) {
      const std::string_view rest(c.text().data() + byte_offset_, c.text().size() - byte_offset_);
      const std::size_t bytes = byte_offset_of(rest, n);
      piece.text = rest.substr(0, bytes);
      byte_offset_ += bytes;
    }
    offset_ += n;
    return piece;
  }

 private:
  const Op& op_;
  std::size_t index_ = 0;
  std::uint64_t offset_ = 0;     // code points already taken from op_[index_]
  std::size_t byte_offset_ = 0;  // the same in bytes, for inserts
};

}  // namespace tandem::ot
