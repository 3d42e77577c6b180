#pragma once

#include "server/router.hpp"

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tandem::server {

// What /readyz reports: ready when every registered check passes and the server is not draining.
class Readiness {
 public:
  // A check returns nothing when healthy, or the reason it is not.
  using Check = std::function<std::optional<std::string>()>;

  void add_check(std::string name, Check check);
  void set_draining() { draining_.store(true, std::memory_order_relaxed); }
  bool draining() const { return draining_.load(std::memory_order_relaxed); }

  struct Failure {
    std::string check;
    std::string reason;
  };
  std::vector<Failure> failures() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, Check>> checks_;
  std::atomic<bool> draining_{false};
};

// GET /healthz (the process answers) and GET /readyz (it can take work).
void add_health_routes(Router& router, const Readiness& readiness);

}  // namespace tandem::server
