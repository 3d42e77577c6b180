#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "ot/result.hpp"

namespace tandem::ot {

// A document's text: a treap (randomised balanced binary tree) of UTF-8 chunks, each node
// caching the byte and code point totals of its subtree. Edits at any code point position
// cost O(log n) expected plus the chunk size, independent of the document's length; export
// is one in-order pass of memcpy. Chunks never split a code point.
class Rope {
 public:
  Rope();
  // `text` must be valid UTF-8 (use from_utf8 for untrusted input).
  explicit Rope(std::string_view text);
  static Result<Rope> from_utf8(std::string_view text);

  Rope(Rope&& other) noexcept;
  Rope& operator=(Rope&& other) noexcept;
  Rope(const Rope&) = delete;
  Rope& operator=(const Rope&) = delete;
  ~Rope();

  // Length in code points.
  [[nodiscard]] std::size_t length() const;
  // Length of the UTF-8 text in bytes.
  [[nodiscard]] std::size_t size_bytes() const;
  [[nodiscard]] bool empty() const { return size_bytes() == 0; }

  // Inserts valid UTF-8 `text` before code point `pos` (pos <= length()).
  void insert(std::size_t pos, std::string_view text);
  // Erases `count` code points starting at `pos` (pos + count <= length()).
  void erase(std::size_t pos, std::size_t count);

  // Byte offset in the UTF-8 text of code point `pos` (pos <= length()).
  [[nodiscard]] std::size_t byte_offset(std::size_t pos) const;

  // The whole text, or `count` code points from `pos`.
  [[nodiscard]] std::string to_string() const;
  [[nodiscard]] std::string substr(std::size_t pos, std::size_t count) const;
  void append_to(std::string& out) const;

  // Calls fn(std::string_view) for every chunk in order, e.g. to stream the text out.
  template <typename Fn>
  void for_each_chunk(Fn&& fn) const;

  // Number of chunks and tree height, and a full consistency check (for tests).
  [[nodiscard]] std::size_t chunk_count() const;
  [[nodiscard]] std::size_t height() const;
  [[nodiscard]] bool check_invariants() const;

 private:
  struct Node;
  using NodePtr = std::unique_ptr<Node>;

  NodePtr make_node(std::string text, std::size_t code_points);
  NodePtr build(std::string_view text);
  NodePtr merge(NodePtr left, NodePtr right);
  std::pair<NodePtr, NodePtr> split(NodePtr node, std::size_t pos);
  std::pair<NodePtr, NodePtr> split_at(std::size_t pos);
  static bool cut_chunk(Node* node, std::size_t pos, std::string& tail, std::size_t& tail_cps);
  std::pair<std::size_t, const Node*> chunk_at(std::size_t pos) const;
  bool insert_in_place(Node* node, std::size_t pos, std::string_view text, std::size_t cps);
  bool erase_in_place(NodePtr& slot, std::size_t pos, std::size_t count);
  void coalesce_at(std::size_t pos);
  template <typename Fn>
  static void visit(const Node* node, Fn& fn);

  NodePtr root_;
  std::uint64_t random_state_;
};

struct Rope::Node {
  std::string text;
  std::size_t code_points = 0;  // in `text`
  std::size_t total_bytes = 0;  // in this subtree
  std::size_t total_code_points = 0;
  std::uint32_t priority = 0;  // max-heap order keeps the tree balanced
  NodePtr left;
  NodePtr right;
};

template <typename Fn>
void Rope::visit(const Node* node, Fn& fn) {
  while (node != nullptr) {
    visit(node->left.get(), fn);
    fn(std::string_view(node->text));
    node = node->right.get();  // loop on the right spine instead of recursing
  }
}

template <typename Fn>
void Rope::for_each_chunk(Fn&& fn) const {
  visit(root_.get(), fn);
}

}  // namespace tandem::ot
