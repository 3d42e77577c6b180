#include "collab/history_window.hpp"

#include <boost/container_hash/hash.hpp>

#include <utility>

namespace tandem::collab {

HistoryWindow::HistoryWindow(std::size_t capacity)
    : capacity_(capacity == 0 ? 1 : capacity), index_(0, VersionHash{this}, VersionEqual{this}) {}

std::size_t HistoryWindow::hash(const ClientSeq& key) {
  std::size_t seed = boost::hash_value(key.client);
  boost::hash_combine(seed, key.seq);
  return seed;
}

std::size_t HistoryWindow::VersionHash::operator()(std::uint64_t version) const {
  const AppliedOp& op = window->at(version);
  return hash(ClientSeq{op.client, op.seq});
}

std::size_t HistoryWindow::VersionHash::operator()(const ClientSeq& key) const { return hash(key); }

bool HistoryWindow::VersionEqual::operator()(const ClientSeq& key, std::uint64_t version) const {
  const AppliedOp& op = window->at(version);
  return op.seq == key.seq && op.client == key.client;
}

void HistoryWindow::reset(std::uint64_t next_version) {
  ops_.clear();
  index_.clear();
  end_ = next_version;
}

void HistoryWindow::release() {
  // clear() keeps the containers' blocks; fresh ones hold nothing.
  decltype(ops_)().swap(ops_);
  index_ = decltype(index_)(0, VersionHash{this}, VersionEqual{this});
}

void HistoryWindow::push(AppliedOp op) {
  if (ops_.size() >= capacity_) {
    // Unindex before the op goes: the index hashes through ops_.
    index_.erase(start());
    ops_.pop_front();
  }
  end_ = op.version + 1;
  ops_.push_back(std::move(op));
  const std::uint64_t version = end_ - 1;
  // A (client, seq) applied twice cannot happen (dedupe runs first); keep the first if it did.
  index_.insert(version);
}

void HistoryWindow::prepend(std::vector<AppliedOp> older) {
  const std::size_t limit = 4 * capacity_;
  // Newest first, each right before the current start; stop at a gap or at the limit.
  for (auto it = older.rbegin(); it != older.rend() && ops_.size() < limit; ++it) {
    if (it->version + 1 != start()) break;
    ops_.push_front(std::move(*it));
    index_.insert(start());
  }
}

bool HistoryWindow::truncate(std::uint64_t end) {
  if (end < start() || end > end_) return false;
  while (end_ > end) {
    // Unindex before the op goes: the index hashes through ops_.
    index_.erase(end_ - 1);
    ops_.pop_back();
    --end_;
  }
  return true;
}

std::optional<std::uint64_t> HistoryWindow::find(std::string_view client, std::uint64_t seq) const {
  auto found = index_.find(ClientSeq{client, seq});
  if (found == index_.end()) return std::nullopt;
  return *found;
}

}  // namespace tandem::collab
