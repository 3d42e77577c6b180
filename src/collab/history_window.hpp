#pragma once

#include "ot/op.hpp"

#include <boost/container/deque.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
//
// Memory is what an idle document costs (docs/collab.md): the containers allocate nothing
// while empty, and the index holds only versions (8 bytes each) and hashes the op they name.
class HistoryWindow {
 public:
  explicit HistoryWindow(std::size_t capacity);
  // The index's hash and equality point back at this window: it must not move.
  HistoryWindow(const HistoryWindow&) = delete;
  HistoryWindow& operator=(const HistoryWindow&) = delete;

  // Empties the window; the next op pushed must have version `next_version`.
  void reset(std::uint64_t next_version);
  // Empties the window and gives its memory back (an idle document); like reset(end()).
  void release();
  void push(AppliedOp op);
  // Puts ops read back from the store in front of the window, so that more late submits from
  // that far back are transformed from memory: `older` ends right before start(). The window
  // then holds up to 4 × capacity ops (the newest of `older` are kept) until it is released;
  // each push still drops one op, so it stays that large while the document is busy.
  void prepend(std::vector<AppliedOp> older);
  // Drops the newest ops so the window ends at `end`; false (nothing dropped) when the window
  // does not hold them all. For a batch that must go after ops another node appended first.
  bool truncate(std::uint64_t end);

  // Oldest version held; equals end() when the window is empty.
  std::uint64_t start() const { return end_ - ops_.size(); }
  // The version after the newest op held (the document's version).
  std::uint64_t end() const { return end_; }
  std::size_t size() const { return ops_.size(); }
  bool holds(std::uint64_t version) const { return version >= start() && version < end_; }
  const AppliedOp& at(std::uint64_t version) const { return ops_[version - start()]; }

  // The version at which (client, seq) was applied, if that op is in the window.
  std::optional<std::uint64_t> find(std::string_view client, std::uint64_t seq) const;

 private:
  struct ClientSeq {
    std::string_view client;
    std::uint64_t seq;
  };
  // Hashes and compares index entries (versions) by the (client, seq) of the op they name.
  struct VersionHash {
    using is_transparent = void;
    const HistoryWindow* window;
    std::size_t operator()(std::uint64_t version) const;
    std::size_t operator()(const ClientSeq& key) const;
  };
  struct VersionEqual {
    using is_transparent = void;
    const HistoryWindow* window;
    bool operator()(std::uint64_t a, std::uint64_t b) const { return a == b; }
    bool operator()(const ClientSeq& key, std::uint64_t version) const;
    bool operator()(std::uint64_t version, const ClientSeq& key) const {
      return (*this)(key, version);
    }
  };
  static std::size_t hash(const ClientSeq& key);

  std::size_t capacity_;
  std::uint64_t end_ = 0;
  boost::container::deque<AppliedOp> ops_;
  boost::unordered_flat_set<std::uint64_t, VersionHash, VersionEqual> index_;
};

}  // namespace tandem::collab
