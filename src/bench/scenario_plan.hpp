#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/bench_options.hpp"
#include "bench/client_plan.hpp"

namespace tandem::bench {

// Who does what in a run: the documents (fresh ids, so every run starts at version 0) and one
// plan per client.
struct RunPlan {
  std::vector<std::string> doc_ids;
  std::vector<ClientPlan> clients;
  // Clients subscribed to each document for the whole measured window (joiners excluded).
  std::vector<std::uint32_t> subscribers;
  std::size_t writers = 0;
};

// `run_id` makes the document and client ids of this run unique (letters and digits).
RunPlan make_plan(const BenchOptions& options, const std::string& run_id);

// Connections the plan holds open at once: one per WebSocket client; an HTTP client has its
// downlink plus, when it writes (or, on Socket.IO, always), an uplink.
std::size_t connections_needed(const BenchOptions& options, const RunPlan& plan);
// The same, for each server of the run (one per --url): each has its own source ports.
std::vector<std::size_t> connections_per_server(const BenchOptions& options, const RunPlan& plan);

}  // namespace tandem::bench
