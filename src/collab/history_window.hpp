#pragma once

#include "ot/op.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>

namespace tandem::collab {

// An op as the document applied it: at `version`, after transformation.
struct AppliedOp {
  std::uint64_t version = 0;
  std::string client;
  std::uint64_t seq = 0;
  ot::Op op;
};

// The most recent ops of a document, for transforming late submits and for catching up
// subscribers without touching the store, with the (client, seq) index that makes resubmits
// idempotent. Bounded: the oldest op is dropped once `capacity` are held.
class HistoryWindow {
 public:
  explicit HistoryWindow(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Empties the window; the next op pushed must have version `next_version`.
  void reset(std::uint64_t next_version);
  void push(AppliedOp op);

  // Oldest version held; equals end() when the window is empty.
  std::uint64_t start() const { return end_ - ops_.size(); }
  // The version after the newest op held (the document's version).
  std::uint64_t end() const { return end_; }
  bool holds(std::uint64_t version) const { return version >= start() && version < end_; }
  const AppliedOp& at(std::uint64_t version) const { return ops_[version - start()]; }

  // The version at which (client, seq) was applied, if that op is in the window.
  std::optional<std::uint64_t> find(const std::string& client, std::uint64_t seq) const;

 private:
  struct Key {
    std::string client;
    std::uint64_t seq;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& key) const {
      return std::hash<std::string>{}(key.client) ^ (std::hash<std::uint64_t>{}(key.seq) * 31);
    }
  };

  std::size_t capacity_;
  std::uint64_t end_ = 0;
  std::deque<AppliedOp> ops_;
  std::unordered_map<Key, std::uint64_t, KeyHash> index_;
};

}  // namespace tandem::collab
