#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::ot {

// One step of an op's walk over the document, in the format of the ot-text-unicode type:
// skip N code points, insert a string, or delete N code points.
class Component {
 public:
  enum class Kind : std::uint8_t { kSkip, kInsert, kDelete };

  static Component skip(std::uint64_t count) { return Component(Kind::kSkip, count, {}); }
  static Component remove(std::uint64_t count) { return Component(Kind::kDelete, count, {}); }
  // `text` must be valid UTF-8 (decoders check; code building ops passes known-good text).
  static Component insert(std::string text);
  // Same, with the code point count already known.
  static Component insert(std::string text, std::uint64_t code_points) {
    return Component(Kind::kInsert, code_points, std::move(text));
  }

  [[nodiscard]] Kind kind() const { return kind_; }
  [[nodiscard]] bool is_skip() const { return kind_ == Kind::kSkip; }
  [[nodiscard]] bool is_insert() const { return kind_ == Kind::kInsert; }
  [[nodiscard]] bool is_delete() const { return kind_ == Kind::kDelete; }
  // Code points skipped, inserted or deleted.
  [[nodiscard]] std::uint64_t length() const { return length_; }
  // The inserted UTF-8 text; empty for skips and deletes.
  [[nodiscard]] const std::string& text() const { return text_; }

  // Extends this component by another of the same kind (used when merging neighbours).
  void extend(std::uint64_t count) { length_ += count; }
  void extend(std::string_view text, std::uint64_t code_points);

  friend bool operator==(const Component&, const Component&) = default;

 private:
  Component(Kind kind, std::uint64_t length, std::string text)
      : kind_(kind), length_(length), text_(std::move(text)) {}

  Kind kind_;
  std::uint64_t length_;
  std::string text_;
};

// Components in document order; the JSON form is an array such as [3, "hi", {"d": 2}].
using Op = std::vector<Component>;

// Who wins when two ops insert at the same place: the left op's text goes first.
enum class Side : std::uint8_t { kLeft, kRight };

std::optional<Side> parse_side(std::string_view name);

// Appends a component the way ot-text-unicode's append does: zero-length components vanish
// and a component of the same kind as the last one merges into it.
void append_component(Op& op, const Component& component);
void append_skip(Op& op, std::uint64_t count);
void append_insert(Op& op, std::string_view text, std::uint64_t code_points);
void append_delete(Op& op, std::uint64_t count);

// Drops a trailing skip, which has no effect.
void trim(Op& op);

// The canonical form: neighbours merged, empty components and the trailing skip dropped.
Op normalize(const Op& op);
bool is_normalized(const Op& op);

// Code points of the original document the op walks over (skips + deletes).
std::uint64_t input_length(const Op& op);
// Code points the op walks over in the resulting document (skips + inserts).
std::uint64_t output_length(const Op& op);
// Total UTF-8 bytes the op inserts.
std::size_t inserted_bytes(const Op& op);

}  // namespace tandem::ot
