#include "bench/scenario_plan.hpp"

#include <algorithm>

namespace tandem::bench {

RunPlan make_plan(const BenchOptions& options, const std::string& run_id) {
  RunPlan plan;
  std::size_t doc_count = 1;
  if (options.scenario == Scenario::kDocs || options.scenario == Scenario::kIdle ||
      options.scenario == Scenario::kJoin) {
    doc_count = options.docs;
  }
  for (std::size_t d = 0; d < doc_count; ++d) {
    plan.doc_ids.push_back("bench-" + run_id + "-" + std::to_string(d));
  }
  plan.subscribers.assign(doc_count, 0);

  // Viewers: the writers come first, then the subscribers.
  const std::size_t writers = options.scenario == Scenario::kViewers ? options.writers : 0;
  const std::size_t total = options.clients + writers;
  const std::size_t probes = std::min(options.probes, total);
  // Probes spread evenly over the clients, so they see every loop and every document.
  const std::size_t probe_stride = probes == 0 ? 0 : std::max<std::size_t>(1, total / probes);

  for (std::size_t i = 0; i < total; ++i) {
    ClientPlan client;
    client.index = i;
    client.client_id = "b" + run_id + "-" + std::to_string(i);
    client.doc = i % doc_count;
    client.doc_id = plan.doc_ids[client.doc];
    client.server = i % std::max<std::size_t>(1, options.urls.size());
    client.probe = probe_stride != 0 && i % probe_stride == 0 && i / probe_stride < probes;
    switch (options.scenario) {
      case Scenario::kAuthors:
      case Scenario::kDocs:
        client.role = ClientPlan::Role::kWriter;
        client.rate = options.rate;
        break;
      case Scenario::kViewers:
        client.role = i < writers ? ClientPlan::Role::kWriter : ClientPlan::Role::kReader;
        client.rate = i < writers ? options.rate : 0;
        break;
      case Scenario::kIdle:
        client.role = ClientPlan::Role::kReader;
        break;
      case Scenario::kJoin:
        client.role = ClientPlan::Role::kJoiner;
        client.rate = options.rate;
        break;
    }
    if (client.role == ClientPlan::Role::kWriter) ++plan.writers;
    if (client.role != ClientPlan::Role::kJoiner) ++plan.subscribers[client.doc];
    plan.clients.push_back(std::move(client));
  }
  return plan;
}

namespace {

std::size_t connections_of(const BenchOptions& options, const ClientPlan& client) {
  if (options.transport == TransportKind::kWebSocket) return 1;
  // Socket.IO's polling clients post their join and pongs too: everyone has an uplink.
  if (options.target == TargetKind::kSocketIo) return 2;
  return client.role == ClientPlan::Role::kWriter ? 2 : 1;
}

}  // namespace

std::size_t connections_needed(const BenchOptions& options, const RunPlan& plan) {
  std::size_t total = 0;
  for (const ClientPlan& client : plan.clients) total += connections_of(options, client);
  return total;
}

std::vector<std::size_t> connections_per_server(const BenchOptions& options, const RunPlan& plan) {
  std::vector<std::size_t> per_server(std::max<std::size_t>(1, options.urls.size()), 0);
  for (const ClientPlan& client : plan.clients) {
    per_server[client.server] += connections_of(options, client);
  }
  return per_server;
}

}  // namespace tandem::bench
