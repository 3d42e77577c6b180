#include "ot/rope.hpp"

#include <algorithm>
#include <vector>

#include "ot/utf8.hpp"

namespace tandem::ot {
namespace {

// Chunks are built at about kTargetChunk bytes and never grow past kMaxChunk, so finding a
// code point inside one is a short scan and an in-place insert moves at most 2 KiB.
constexpr std::size_t kTargetChunk = 1024;
constexpr std::size_t kMaxChunk = 2048;

template <typename Node>
std::size_t bytes_of(const Node* node) {
  return node != nullptr ? node->total_bytes : 0;
}

template <typename Node>
std::size_t code_points_of(const Node* node) {
  return node != nullptr ? node->total_code_points : 0;
}

template <typename Node>
void update_totals(Node* node) {
  node->total_bytes = bytes_of(node->left.get()) + node->text.size() + bytes_of(node->right.get());
  node->total_code_points =
      code_points_of(node->left.get()) + node->code_points + code_points_of(node->right.get());
}

// Byte offset of code point `pos` inside one chunk; all-ASCII chunks need no scan.
template <typename Node>
std::size_t chunk_offset(const Node* node, std::size_t pos) {
  if (node->code_points == node->text.size()) return pos;
  return byte_offset_of(node->text, pos);
}

}  // namespace

Rope::Rope() : random_state_(0x9E3779B97F4A7C15ULL) {}

Rope::Rope(std::string_view text) : Rope() { root_ = build(text); }

Result<Rope> Rope::from_utf8(std::string_view text) {
  if (auto checked = validate_utf8(text); !checked) return std::move(checked).error();
  return Rope(text);
}

Rope::Rope(Rope&& other) noexcept
    : root_(std::move(other.root_)), random_state_(other.random_state_) {}

Rope& Rope::operator=(Rope&& other) noexcept {
  root_ = std::move(other.root_);
  random_state_ = other.random_state_;
  return *this;
}

Rope::~Rope() = default;

std::size_t Rope::length() const { return code_points_of(root_.get()); }

std::size_t Rope::size_bytes() const { return bytes_of(root_.get()); }

Rope::NodePtr Rope::make_node(std::string text, std::size_t code_points) {
  // xorshift64*: priorities only need to be unpredictable to the shape of the edits.
  random_state_ ^= random_state_ >> 12;
  random_state_ ^= random_state_ << 25;
  random_state_ ^= random_state_ >> 27;
  auto node = std::make_unique<Node>();
  node->priority = static_cast<std::uint32_t>((random_state_ * 0x2545F4914F6CDD1DULL) >> 32);
  node->code_points = code_points;
  node->text = std::move(text);
  update_totals(node.get());
  return node;
}

Rope::NodePtr Rope::build(std::string_view text) {
  // Builds the treap of all chunks in one left-to-right pass (Cartesian tree on a stack).
  NodePtr root;
  std::vector<Node*> right_spine;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.size();
    if (end - begin > kTargetChunk) end = floor_code_point_boundary(text, begin + kTargetChunk);
    const std::string_view chunk = text.substr(begin, end - begin);
    NodePtr node = make_node(std::string(chunk), count_code_points(chunk));
    begin = end;
    bool popped = false;
    while (!right_spine.empty() && right_spine.back()->priority < node->priority) {
      right_spine.pop_back();
      popped = true;
    }
    // The chain popped off the spine hangs below the new node, which takes its place.
    NodePtr& slot = right_spine.empty() ? root : right_spine.back()->right;
    if (popped) node->left = std::move(slot);
    right_spine.push_back(node.get());
    slot = std::move(node);
  }
  // Totals bottom-up; the tree is balanced in expectation, so recursion stays shallow.
  auto fix = [](auto& self, Node* node) -> void {
    if (node == nullptr) return;
    self(self, node->left.get());
    self(self, node->right.get());
    update_totals(node);
  };
  fix(fix, root.get());
  return root;
}

Rope::NodePtr Rope::merge(NodePtr left, NodePtr right) {
  if (!left) return right;
  if (!right) return left;
  if (left->priority > right->priority) {
    left->right = merge(std::move(left->right), std::move(right));
    update_totals(left.get());
    return left;
  }
  right->left = merge(std::move(left), std::move(right->left));
  update_totals(right.get());
  return right;
}

std::pair<Rope::NodePtr, Rope::NodePtr> Rope::split(NodePtr node, std::size_t pos) {
  // pos is a chunk boundary here (split_at makes sure), so no node is created on the way.
  if (!node) return {};
  const std::size_t left_cps = code_points_of(node->left.get());
  if (pos <= left_cps) {
    auto [a, b] = split(std::move(node->left), pos);
    node->left = std::move(b);
    update_totals(node.get());
    return {std::move(a), std::move(node)};
  }
  auto [a, b] = split(std::move(node->right), pos - left_cps - node->code_points);
  node->right = std::move(a);
  update_totals(node.get());
  return {std::move(node), std::move(b)};
}

bool Rope::cut_chunk(Node* node, std::size_t pos, std::string& tail, std::size_t& tail_cps) {
  const std::size_t left_cps = code_points_of(node->left.get());
  const std::size_t node_end = left_cps + node->code_points;
  bool cut = false;
  if (pos < left_cps) {
    cut = cut_chunk(node->left.get(), pos, tail, tail_cps);
  } else if (pos > node_end) {
    cut = cut_chunk(node->right.get(), pos - node_end, tail, tail_cps);
  } else if (pos > left_cps && pos < node_end) {
    const std::size_t inside = pos - left_cps;
    const std::size_t offset = chunk_offset(node, inside);
    tail.assign(node->text, offset);
    tail_cps = node->code_points - inside;
    node->text.resize(offset);
    node->code_points = inside;
    cut = true;
  }
  if (cut) update_totals(node);
  return cut;
}

std::pair<Rope::NodePtr, Rope::NodePtr> Rope::split_at(std::size_t pos) {
  // A cut inside a chunk first makes its tail a node of its own, with its own random
  // priority, so the tree stays a proper treap.
  std::string tail;
  std::size_t tail_cps = 0;
  if (root_ && cut_chunk(root_.get(), pos, tail, tail_cps)) {
    auto [left, right] = split(std::move(root_), pos);
    return {std::move(left), merge(make_node(std::move(tail), tail_cps), std::move(right))};
  }
  return split(std::move(root_), pos);
}

namespace {

// Appends to the last chunk of a subtree if it has room; updates totals on the way down.
template <typename Node>
bool append_to_last_chunk(Node* node, std::string_view text, std::size_t cps) {
  Node* last = node;
  while (last->right) last = last->right.get();
  if (last->text.size() + text.size() > kMaxChunk) return false;
  for (Node* n = node; n != nullptr; n = n->right.get()) {
    n->total_bytes += text.size();
    n->total_code_points += cps;
  }
  last->text.append(text);
  last->code_points += cps;
  return true;
}

template <typename Node>
bool prepend_to_first_chunk(Node* node, std::string_view text, std::size_t cps) {
  Node* first = node;
  while (first->left) first = first->left.get();
  if (first->text.size() + text.size() > kMaxChunk) return false;
  for (Node* n = node; n != nullptr; n = n->left.get()) {
    n->total_bytes += text.size();
    n->total_code_points += cps;
  }
  first->text.insert(0, text);
  first->code_points += cps;
  return true;
}

// Unlinks the first chunk of the subtree in `slot` and returns it.
template <typename NodePtr>
NodePtr detach_first(NodePtr& slot) {
  if (!slot->left) {
    NodePtr first = std::move(slot);
    slot = std::move(first->right);
    return first;
  }
  NodePtr first = detach_first(slot->left);
  update_totals(slot.get());
  return first;
}

}  // namespace

bool Rope::insert_in_place(Node* node, std::size_t pos, std::string_view text, std::size_t cps) {
  const std::size_t left_cps = code_points_of(node->left.get());
  bool inserted = false;
  if (pos < left_cps) {
    inserted = insert_in_place(node->left.get(), pos, text, cps);
  } else if (pos <= left_cps + node->code_points) {
    if (node->text.size() + text.size() > kMaxChunk) return false;
    node->text.insert(chunk_offset(node, pos - left_cps), text);
    node->code_points += cps;
    inserted = true;
  } else {
    inserted = insert_in_place(node->right.get(), pos - left_cps - node->code_points, text, cps);
  }
  if (inserted) {
    node->total_bytes += text.size();
    node->total_code_points += cps;
  }
  return inserted;
}

void Rope::insert(std::size_t pos, std::string_view text) {
  if (text.empty()) return;
  const std::size_t cps = count_code_points(text);
  if (!root_) {
    root_ = build(text);
    return;
  }
  const bool small = text.size() <= kMaxChunk / 2;
  if (small) {
    if (insert_in_place(root_.get(), pos, text, cps)) return;
    // The chunk at pos is full: cut it into halves by bytes, so both have room to grow
    // (cutting at pos instead would leave ever smaller pieces when typing near its end).
    auto [start, full] = chunk_at(pos);
    const std::string_view chunk(full->text);
    const std::size_t half =
        count_code_points(chunk.substr(0, floor_code_point_boundary(chunk, chunk.size() / 2)));
    auto [left, right] = split_at(start + half);
    root_ = merge(std::move(left), std::move(right));
    if (insert_in_place(root_.get(), pos, text, cps)) return;
  }
  // Large text, or pos between two full chunks: cut there and put the text between.
  auto [left, right] = split_at(pos);
  if (small && left && append_to_last_chunk(left.get(), text, cps)) {
    root_ = merge(std::move(left), std::move(right));
  } else if (small && right && prepend_to_first_chunk(right.get(), text, cps)) {
    root_ = merge(std::move(left), std::move(right));
  } else {
    root_ = merge(merge(std::move(left), build(text)), std::move(right));
  }
}

std::pair<std::size_t, const Rope::Node*> Rope::chunk_at(std::size_t pos) const {
  // The same choice as insert_in_place: the highest node whose chunk touches pos.
  std::size_t start = 0;
  const Node* node = root_.get();
  while (true) {
    const std::size_t left_cps = code_points_of(node->left.get());
    if (pos < left_cps) {
      node = node->left.get();
    } else if (pos <= left_cps + node->code_points) {
      return {start + left_cps, node};
    } else {
      start += left_cps + node->code_points;
      pos -= left_cps + node->code_points;
      node = node->right.get();
    }
  }
}

bool Rope::erase_in_place(NodePtr& slot, std::size_t pos, std::size_t count) {
  Node* node = slot.get();
  const std::size_t left_cps = code_points_of(node->left.get());
  const std::size_t node_end = left_cps + node->code_points;
  bool erased = false;
  if (pos + count <= left_cps) {
    erased = erase_in_place(node->left, pos, count);
  } else if (pos >= node_end) {
    erased = erase_in_place(node->right, pos - node_end, count);
  } else if (pos >= left_cps && pos + count <= node_end) {
    const std::size_t start = chunk_offset(node, pos - left_cps);
    const std::size_t end =
        start + byte_offset_of(std::string_view(node->text).substr(start), count);
    node->text.erase(start, end - start);
    node->code_points -= count;
    if (node->code_points == 0) {
      // An emptied chunk leaves the tree; its subtrees merge in its place.
      NodePtr gone = std::move(slot);
      slot = merge(std::move(gone->left), std::move(gone->right));
      return true;
    }
    update_totals(node);
    return true;
  } else {
    return false;
  }
  if (erased) update_totals(node);
  return erased;
}

void Rope::erase(std::size_t pos, std::size_t count) {
  if (count == 0 || !root_) return;
  if (erase_in_place(root_, pos, count)) return;
  auto [left, rest] = split_at(pos);
  root_ = std::move(rest);
  auto [erased, right] = split_at(count);
  erased.reset();
  // Join the two chunks now side by side when they fit in one, to keep chunks large.
  if (left && right) {
    const Node* first = right.get();
    while (first->left) first = first->left.get();
    const Node* last = left.get();
    while (last->right) last = last->right.get();
    if (first->text.size() + last->text.size() <= kMaxChunk) {
      NodePtr head = detach_first(right);
      append_to_last_chunk(left.get(), head->text, head->code_points);
    }
  }
  root_ = merge(std::move(left), std::move(right));
}

std::size_t Rope::byte_offset(std::size_t pos) const {
  std::size_t offset = 0;
  const Node* node = root_.get();
  while (node != nullptr) {
    const std::size_t left_cps = code_points_of(node->left.get());
    if (pos < left_cps) {
      node = node->left.get();
      continue;
    }
    offset += bytes_of(node->left.get());
    pos -= left_cps;
    if (pos <= node->code_points) return offset + chunk_offset(node, pos);
    offset += node->text.size();
    pos -= node->code_points;
    node = node->right.get();
  }
  return offset;
}

void Rope::append_to(std::string& out) const {
  out.reserve(out.size() + size_bytes());
  for_each_chunk([&out](std::string_view chunk) { out.append(chunk); });
}

std::string Rope::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

std::string Rope::substr(std::size_t pos, std::size_t count) const {
  std::string out;
  // Walks only the chunks overlapping [pos, pos + count).
  auto collect = [&out](auto& self, const Node* node, std::size_t from, std::size_t n) -> void {
    if (node == nullptr || n == 0) return;
    const std::size_t left_cps = code_points_of(node->left.get());
    if (from < left_cps) self(self, node->left.get(), from, std::min(n, left_cps - from));
    const std::size_t node_end = left_cps + node->code_points;
    if (from < node_end && from + n > left_cps) {
      const std::size_t lo = from > left_cps ? from - left_cps : 0;
      const std::size_t hi = std::min(from + n, node_end) - left_cps;
      const std::size_t start = chunk_offset(node, lo);
      const std::size_t end = chunk_offset(node, hi);
      out.append(node->text, start, end - start);
    }
    if (from + n > node_end) {
      const std::size_t skip = from > node_end ? from - node_end : 0;
      const std::size_t taken = from > node_end ? 0 : node_end - from;
      self(self, node->right.get(), skip, n - taken);
    }
  };
  collect(collect, root_.get(), pos, count);
  return out;
}

std::size_t Rope::chunk_count() const {
  std::size_t count = 0;
  for_each_chunk([&count](std::string_view) { ++count; });
  return count;
}

std::size_t Rope::height() const {
  auto depth = [](auto& self, const Node* node) -> std::size_t {
    if (node == nullptr) return 0;
    return 1 + std::max(self(self, node->left.get()), self(self, node->right.get()));
  };
  return depth(depth, root_.get());
}

bool Rope::check_invariants() const {
  auto check = [](auto& self, const Node* node) -> bool {
    if (node == nullptr) return true;
    if (node->text.empty() || node->text.size() > kMaxChunk) return false;
    auto cps = validate_utf8(node->text);
    if (!cps || *cps != node->code_points) return false;
    for (const Node* child : {node->left.get(), node->right.get()}) {
      if (child != nullptr && child->priority > node->priority) return false;
    }
    if (node->total_bytes !=
        bytes_of(node->left.get()) + node->text.size() + bytes_of(node->right.get())) {
      return false;
    }
    if (node->total_code_points !=
        code_points_of(node->left.get()) + node->code_points + code_points_of(node->right.get())) {
      return false;
    }
    return self(self, node->left.get()) && self(self, node->right.get());
  };
  return check(check, root_.get());
}

}  // namespace tandem::ot
