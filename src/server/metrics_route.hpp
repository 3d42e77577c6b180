#pragma once

#include "server/router.hpp"

#include <functional>
#include <string>
#include <vector>

namespace tandem::server {

// Appends some metrics in the Prometheus text format.
using MetricsSource = std::function<void(std::string& out)>;

// GET /metrics: every source's metrics, text format 0.0.4 (docs/metrics.md).
void add_metrics_route(Router& router, std::vector<MetricsSource> sources);

}  // namespace tandem::server
