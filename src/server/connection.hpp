#pragma once

#include "server/connection_tracker.hpp"

#include <chrono>
#include <cstddef>
#include <unordered_set>

namespace tandem::server {

// Anything the server must drain at shutdown: HTTP connections, WebSockets, held requests.
class Connection {
 public:
  virtual ~Connection() = default;
  // Finish what is in progress, then close; idle connections close at once.
  virtual void begin_shutdown() = 0;
  // Close now, whatever is in progress (the shutdown deadline has passed).
  virtual void force_close() = 0;
  // Out of file descriptors: closes the connection if it was opened before `opened_before`
  // and has no request being answered (nothing sent yet, a partial head, or idle between
  // requests); true if it did.
  virtual bool shed_if_idle(std::chrono::steady_clock::time_point /*opened_before*/) {
    return false;
  }
};

// The open connections of one event loop; touched only from that loop's thread.
struct LoopConnections {
  std::size_t loop = 0;
  ConnectionTracker* tracker = nullptr;
  std::unordered_set<Connection*> open;
};

// Registers a connection with its loop (and the server-wide count) for as long as it lives.
class ConnectionRegistration {
 public:
  ConnectionRegistration(LoopConnections& connections, Connection* connection)
      : connections_(connections), connection_(connection) {
    connections_.tracker->opened();
    connections_.open.insert(connection_);
  }
  ~ConnectionRegistration() {
    connections_.open.erase(connection_);
    connections_.tracker->closed();
  }
  ConnectionRegistration(const ConnectionRegistration&) = delete;
  ConnectionRegistration& operator=(const ConnectionRegistration&) = delete;

  LoopConnections& connections() const { return connections_; }

 private:
  LoopConnections& connections_;
  Connection* connection_;
};

}  // namespace tandem::server
