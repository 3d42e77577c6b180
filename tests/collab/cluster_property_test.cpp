// Property tests of the document actor in cluster mode: random interleavings of submits at
// stale bases, resubmits, reconnects to other nodes, store delays and failures, bus drops,
// duplicates and reordering, head checks; then everything is delivered and every node and
// client must agree with the store's log (World::check_converged).

#include "sim.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace tandem::collab::test {
namespace {

struct Profile {
  std::size_t nodes = 2;
  std::size_t loops_per_node = 1;
  std::size_t clients = 3;
  std::size_t docs = 1;
  int steps = 250;
  int store_fail_percent = 0;
  FakeBusHub::Faults bus_faults;
  bool shared_store = true;
  std::size_t history_window = 1000;
  std::uint64_t snapshot_every = 1000;
};

// Seeds per test: TANDEM_COLLAB_SEEDS overrides (a longer hunt), else `fallback`.
int seed_count(int fallback) {
  if (const char* value = std::getenv("TANDEM_COLLAB_SEEDS")) return std::atoi(value);
  return fallback;
}

void run_random_cluster(std::uint64_t seed, const Profile& profile) {
  CollabOptions options = quiet_options();
  options.history_window = profile.history_window;
  options.snapshot_every = profile.snapshot_every;
  World world(seed, profile.nodes, options, profile.shared_store, profile.loops_per_node);
  world.buses.set_faults(profile.bus_faults);
  auto& random = world.random;
  auto below = [&random](std::uint64_t n) { return n == 0 ? 0 : random() % n; };

  for (std::size_t i = 0; i < profile.clients; ++i) {
    SimClient& client =
        world.add_client("c" + std::to_string(i), "doc" + std::to_string(i % profile.docs));
    Node& node = *world.nodes[below(world.nodes.size())];
    client.connect(node, below(node.loop_count()));
  }

  for (int step = 0; step < profile.steps; ++step) {
    const std::uint64_t action = below(100);
    if (tracing())
      std::fprintf(stderr, "step %d: action %llu\n", step, static_cast<unsigned long long>(action));
    SimClient& client = *world.clients[below(world.clients.size())];
    Node& node = *world.nodes[below(world.nodes.size())];
    if (action < 25) {
      // Typing: the op goes out at once when nothing is in flight (at whatever base it has).
      client.edit(random);
      client.send_if_due();
    } else if (action < 30) {
      client.send_if_due();
    } else if (action < 33) {
      // A resubmit while the first attempt may still be under way (same seq).
      client.resend(below(2) == 0);
    } else if (action < 37) {
      // A reconnect, to this node or another, resuming from the version it has; the in-flight
      // op goes again at once, unchanged or transformed.
      client.connect(node, below(node.loop_count()));
      if (below(2) == 0) client.resend(below(2) == 0);
      client.send_if_due();
    } else if (action < 39) {
      client.disconnect();
    } else if (action < 55) {
      world.stores.run_random(random, profile.store_fail_percent);
    } else if (action < 65) {
      world.buses.deliver_one(true);
    } else if (action < 67) {
      world.buses.drop_all();
    } else if (action < 69) {
      world.buses.reconnect(node.id());  // a head check
    } else if (action < 90) {
      node.poll_one(below(node.loop_count()));
    } else {
      node.poll();
    }
  }

  ASSERT_TRUE(world.quiesce()) << "seed " << seed << " did not come to rest";
  world.check_converged("seed " + std::to_string(seed));
}

class ClusterProperty : public ::testing::Test {
 protected:
  void run(const Profile& profile, int seeds, std::uint64_t base) {
    if (const char* only = std::getenv("TANDEM_COLLAB_SEED")) {
      run_random_cluster(std::strtoull(only, nullptr, 10), profile);
      return;
    }
    const int count = seed_count(seeds);
    for (int i = 0; i < count; ++i) {
      const std::uint64_t seed = base + static_cast<std::uint64_t>(i);
      run_random_cluster(seed, profile);
      if (HasFailure()) {
        ADD_FAILURE() << "first failing seed: " << seed;
        return;
      }
    }
  }
};

TEST_F(ClusterProperty, ReliableBusAndStoreConverge) {
  Profile profile;
  run(profile, 200, 1000);
}

TEST_F(ClusterProperty, LossyDuplicatingBusConverges) {
  Profile profile;
  profile.nodes = 3;
  profile.clients = 4;
  profile.bus_faults = {20, 20};
  run(profile, 200, 2000);
}

TEST_F(ClusterProperty, FailingStoreConverges) {
  Profile profile;
  profile.store_fail_percent = 15;
  profile.bus_faults = {10, 10};
  run(profile, 200, 3000);
}

TEST_F(ClusterProperty, SmallWindowTwoLoopsTwoDocumentsConverge) {
  Profile profile;
  profile.nodes = 3;
  profile.loops_per_node = 2;
  profile.clients = 5;
  profile.docs = 2;
  profile.history_window = 4;
  profile.snapshot_every = 7;
  profile.store_fail_percent = 5;
  profile.bus_faults = {10, 10};
  run(profile, 200, 4000);
}

TEST_F(ClusterProperty, SingleNodeOnAnUnsharedStoreConverges) {
  Profile profile;
  profile.nodes = 1;
  profile.shared_store = false;
  profile.clients = 4;
  profile.store_fail_percent = 10;
  profile.history_window = 6;
  run(profile, 200, 5000);
}

}  // namespace
}  // namespace tandem::collab::test
