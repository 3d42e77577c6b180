#pragma once

#include <cstddef>
#include <string>

namespace tandem::bench {

// What one simulated client does in a scenario.
struct ClientPlan {
  enum class Role { kWriter, kReader, kJoiner };

  std::size_t index = 0;  // 0 .. clients-1
  std::string client_id;
  std::size_t doc = 0;  // index into the run's documents
  // Index into the run's --url list: client i talks to url i % n, so the clients of one
  // document sit on different servers of a cluster.
  std::size_t server = 0;
  std::string doc_id;
  Role role = Role::kReader;
  double rate = 0;     // writers: ops per second; joiners: joins per second (0: no pause)
  bool probe = false;  // decodes every message with the full codec and checks it
};

}  // namespace tandem::bench
