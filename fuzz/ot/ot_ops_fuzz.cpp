// apply / transform / compose on documents and ops built from the fuzzer's bytes. Asserts the
// OT invariants: both orders of a concurrent pair converge, compose equals applying in turn,
// the Rope agrees with the string path, cursors stay in range and in order, and every text
// produced is valid UTF-8 without surrogates.

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_require.hpp"
#include "ot/apply.hpp"
#include "ot/compose.hpp"
#include "ot/diff.hpp"
#include "ot/invert.hpp"
#include "ot/position.hpp"
#include "ot/rope.hpp"
#include "ot/transform.hpp"
#include "ot/utf8.hpp"
#include "ot/validate.hpp"

namespace {

using namespace tandem::ot;

// Every UTF-8 length, combining marks, ZWJ, astral and edge scalars.
constexpr std::array<char32_t, 16> kPalette = {
    U'a',      U'b',          U' ',          U'\n',         U'"',      U'\u0301',
    U'\u00e9', U'\u4e2d',     U'\U0001F600', U'\U0001F3FD', U'\u200D', U'\U00010348',
    U'\uFFFF', U'\U0010FFFF', U'\0',         U'\u2028'};

class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  std::uint8_t next() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }

  std::string text(std::size_t length) {
    std::string out;
    for (std::size_t i = 0; i < length; ++i) append_utf8(out, kPalette[below(kPalette.size())]);
    return out;
  }

  // A valid op over `length` code points; inserts are sometimes left unmerged, as the
  // reference allows.
  Op op(std::uint64_t length) {
    Op out;
    std::uint64_t left = length;
    const std::uint64_t steps = below(8);
    for (std::uint64_t i = 0; i < steps; ++i) {
      const auto kind = below(3);
      if (kind == 0 && left > 0 && (out.empty() || !out.back().is_skip())) {
        const std::uint64_t n = 1 + below(left);
        out.push_back(Component::skip(n));
        left -= n;
      } else if (kind == 1 || left == 0) {
        std::string text = this->text(1 + below(4));
        if (below(2) == 0) {
          append_insert(out, text, count_code_points(text));
        } else {
          out.push_back(Component::insert(std::move(text)));
        }
      } else {
        const std::uint64_t n = 1 + below(left);
        out.push_back(Component::remove(n));
        left -= n;
      }
    }
    if (!out.empty() && out.back().is_skip()) out.pop_back();
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

std::string must_apply(std::string_view doc, const Op& op) {
  auto result = tandem::ot::apply(doc, op);
  require(result.ok());
  require(is_valid_utf8(*result));
  return std::move(result).value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  const std::string doc = in.text(in.below(40));
  const std::uint64_t length = count_code_points(doc);
  const Op a = in.op(length);
  const Op b = in.op(length);
  const Limits limits;
  require(check_op(a, limits).ok() && check_op(b, limits).ok());

  // Convergence, with both tie-breaking assignments. It needs normalised ops: like the
  // reference, transform takes unmerged inserts ("a", "b") one at a time, and then the two
  // orders can disagree (see docs/ot.md), which is why decode_op merges them by default.
  const Op na = normalize(a);
  const Op nb = normalize(b);
  for (const Side side : {Side::kLeft, Side::kRight}) {
    const Side other_side = side == Side::kLeft ? Side::kRight : Side::kLeft;
    const Op b_after_a = transform(nb, na, side);
    const Op a_after_b = transform(na, nb, other_side);
    require(check_op(b_after_a, limits).ok() && check_op(a_after_b, limits).ok());
    require(must_apply(must_apply(doc, na), b_after_a) ==
            must_apply(must_apply(doc, nb), a_after_b));
    // Unmerged ops still transform into valid ops that apply.
    must_apply(must_apply(doc, a), transform(b, a, side));
  }

  // Compose equals applying in turn, on the string and on the Rope.
  const std::string middle = must_apply(doc, a);
  const Op c = in.op(count_code_points(middle));
  const Op ac = compose(a, c);
  require(check_op(ac, limits).ok());
  const std::string end = must_apply(middle, c);
  require(must_apply(doc, ac) == end);
  Rope rope(doc);
  require(tandem::ot::apply(rope, a).ok() && tandem::ot::apply(rope, c).ok());
  require(rope.to_string() == end && rope.check_invariants());

  // Cursors stay inside the new document and keep their order.
  const std::uint64_t middle_length = count_code_points(middle);
  std::uint64_t previous = 0;
  for (std::uint64_t cursor = 0; cursor <= length; ++cursor) {
    const std::uint64_t moved = transform_position(cursor, a);
    require(moved <= middle_length && moved >= previous);
    previous = moved;
  }

  // An op past the end is refused and leaves the Rope as it was.
  Op too_long = a;
  append_delete(too_long, 1 + (length - input_length(a)));
  Rope untouched(doc);
  require(!tandem::ot::apply(untouched, too_long).ok() && untouched.to_string() == doc);

  // diff gets back from the end state to the start.
  require(must_apply(end, diff(end, doc)) == doc);

  // invert takes an op back out (a cluster node undoes its batch this way), and is canonical.
  Rope before(doc);
  const Op undo_a = invert(a, before);
  require(check_op(undo_a, limits).ok() && must_apply(middle, undo_a) == doc);
  return 0;
}
