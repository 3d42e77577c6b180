#include "store/reachability.hpp"

#include <spdlog/spdlog.h>

namespace tandem::store {

void Reachability::report(bool reached, std::string_view why) {
  if (reached == reachable()) return;
  const std::lock_guard lock(mutex_);
  if (reached == reachable()) return;
  reachable_.store(reached, std::memory_order_relaxed);
  if (reached) {
    spdlog::info("store: {} answers again", what_);
    return;
  }
  outages_.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn("store: {} is unreachable ({}); submits are refused as retryable until it answers",
               what_, why);
}

}  // namespace tandem::store
