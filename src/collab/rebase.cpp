#include "collab/rebase.hpp"

#include "ot/op_json.hpp"
#include "ot/transform.hpp"

#include <string>
#include <utility>

namespace tandem::collab {

store::Rebase make_rebase(ot::Limits limits, std::shared_ptr<const std::vector<ot::Op>> at_head) {
  return [limits, at_head = std::move(at_head)](
             const std::vector<store::StoredOp>& foreign,
             std::vector<store::StoredOp> mine) -> store::Result<std::vector<store::StoredOp>> {
    auto refuse = [](store::ErrorCode code, std::string message) {
      return store::Error{code, std::move(message)};
    };
    if (foreign.empty()) return mine;
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
    if (!at_head || at_head->size() != mine.size()) {
      return refuse(store::ErrorCode::kConflict,
                    "a batch of " + std::to_string(mine.size()) +
                        " op(s) without its forms at the head cannot be rebased over " +
                        std::to_string(foreign.size()) + " op(s) appended by others");
    }
    // Each op as a single server would have made it, had its submit arrived after the foreign
    // ops: its form at the batch's start, over the foreign ops, then over the batch's earlier
    // ops as rebased. Its author transforms it in that same (log) order, so the log holds what
    // the author applied; transforming the batch as a block would need TP2, which text OT lacks.
    std::vector<ot::Op> rebased;
    rebased.reserve(mine.size());
    for (std::size_t i = 0; i < mine.size(); ++i) {
      ot::Op op = (*at_head)[i];
      for (const ot::Op& other : theirs) op = ot::transform(op, other, ot::Side::kLeft);
      for (const ot::Op& earlier : rebased) op = ot::transform(op, earlier, ot::Side::kLeft);
      mine[i].op_json = ot::encode_op(op);
      rebased.push_back(std::move(op));
    }
    return mine;
  };
}

}  // namespace tandem::collab
