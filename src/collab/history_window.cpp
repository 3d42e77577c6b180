#include "collab/history_window.hpp"

#include <utility>

namespace tandem::collab {

void HistoryWindow::reset(std::uint64_t next_version) {
  ops_.clear();
  index_.clear();
  end_ = next_version;
}

void HistoryWindow::push(AppliedOp op) {
  index_[Key{op.client, op.seq}] = op.version;
  end_ = op.version + 1;
  ops_.push_back(std::move(op));
  if (ops_.size() > capacity_) {
    const AppliedOp& oldest = ops_.front();
    index_.erase(Key{oldest.client, oldest.seq});
    ops_.pop_front();
  }
}

std::optional<std::uint64_t> HistoryWindow::find(const std::string& client,
                                                 std::uint64_t seq) const {
  auto found = index_.find(Key{client, seq});
  if (found == index_.end()) return std::nullopt;
  return found->second;
}

}  // namespace tandem::collab
