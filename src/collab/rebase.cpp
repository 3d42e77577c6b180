#include "collab/rebase.hpp"

#include "ot/op_json.hpp"
#include "ot/transform.hpp"

#include <string>
#include <utility>

namespace tandem::collab {

CrossedOps cross(std::vector<ot::Op> mine, std::vector<ot::Op> theirs) {
  // The diamond, one op of `mine` at a time: each crosses every op of `theirs`, and `theirs`
  // moves past it on the way.
  CrossedOps crossed;
  crossed.mine_after_theirs.reserve(mine.size());
  for (ot::Op& op : mine) {
    for (ot::Op& other : theirs) {
      ot::Op op_after = ot::transform(op, other, ot::Side::kLeft);
      other = ot::transform(other, op, ot::Side::kRight);
      op = std::move(op_after);
    }
    crossed.mine_after_theirs.push_back(std::move(op));
  }
  crossed.theirs_after_mine = std::move(theirs);
  return crossed;
}

store::Rebase make_rebase(ot::Limits limits) {
  return [limits](
             const std::vector<store::StoredOp>& foreign,
             std::vector<store::StoredOp> mine) -> store::Result<std::vector<store::StoredOp>> {
    auto refuse = [](store::ErrorCode code, std::string message) {
      return store::Error{code, std::move(message)};
    };
    if (!foreign.empty() && mine.size() > 1) {
      // Op i > 0 of the batch was transformed over ops 0..i-1 before the foreign ops, but its
      // author transforms it over the foreign ops first (they come first in its stream): the
      // two orders differ when TP2 fails (inserts and deletes at one place), so the log would
      // not hold what its author applied. The writer resends the ops one by one.
      return refuse(store::ErrorCode::kConflict,
                    "a batch of " + std::to_string(mine.size()) + " ops cannot be rebased over " +
                        std::to_string(foreign.size()) + " op(s) appended by others");
    }
    std::vector<ot::Op> theirs;
    theirs.reserve(foreign.size());
    for (const store::StoredOp& stored : foreign) {
      for (const store::StoredOp& op : mine) {
        if (op.seq == stored.seq && op.client == stored.client) {
          return refuse(store::ErrorCode::kConflict,
                        "(client, seq) (" + op.client + ", " + std::to_string(op.seq) +
                            ") was already appended at version " + std::to_string(stored.version));
        }
      }
      auto decoded = ot::decode_op(stored.op_json, limits);
      if (!decoded.ok()) {
        return refuse(store::ErrorCode::kCorrupt,
                      "stored op " + std::to_string(stored.version) + " is unreadable");
      }
      theirs.push_back(std::move(decoded.value()));
    }
    std::vector<ot::Op> ours;
    ours.reserve(mine.size());
    for (const store::StoredOp& op : mine) {
      auto decoded = ot::decode_op(op.op_json, limits);
      if (!decoded.ok()) return refuse(store::ErrorCode::kCorrupt, "a batch op is unreadable");
      ours.push_back(std::move(decoded.value()));
    }
    CrossedOps crossed = cross(std::move(ours), std::move(theirs));
    for (std::size_t i = 0; i < mine.size(); ++i) {
      mine[i].op_json = ot::encode_op(crossed.mine_after_theirs[i]);
    }
    return mine;
  };
}

}  // namespace tandem::collab
