#pragma once

#include "ot/limits.hpp"

#include <chrono>
#include <cstdint>
#include <optional>

namespace tandem::collab {

struct CollabOptions {
  // Recent ops each loaded document keeps in memory; older ones are read back from the store.
  std::size_t history_window = 1000;
  // A snapshot is written after this many ops since the last one.
  std::uint64_t snapshot_every = 1000;
  // Ops kept in the store behind the newest snapshot; empty keeps the whole log. Clients older
  // than what is kept resync from a snapshot.
  std::optional<std::uint64_t> retain_ops;
  // A document nobody subscribes to is unloaded after this long.
  std::chrono::milliseconds idle_unload{60'000};
  // A document with no submit, subscribe or presence for this long drops its history window
  // (checked at each sweep: every quarter of the shorter of this and idle_unload, at most 5 s).
  std::chrono::milliseconds history_release_after{15'000};
  // Least time between two presence broadcasts of one client; updates in between coalesce.
  std::chrono::milliseconds presence_interval{50};
  // Presence of a client that sends nothing for this long is dropped.
  std::chrono::milliseconds presence_ttl{120'000};
  // Cluster: presence heard from another node is dropped when that node has not repeated it
  // for this long (it died); each node repeats its clients' presence every third of it.
  std::chrono::milliseconds presence_node_ttl{30'000};
  // Cluster: how often a node compares the heads of its documents with the store, to catch a
  // node that died between COMMIT and publishing, and while the bus is down.
  std::chrono::milliseconds head_check_interval{5'000};
  std::chrono::milliseconds head_check_interval_without_bus{500};
  // Submits one document may have waiting for their turn; more are refused (overloaded) rather
  // than letting one flood delay everyone for minutes.
  std::size_t max_queued_submits = 4096;
  ot::Limits ot_limits;
};

}  // namespace tandem::collab
