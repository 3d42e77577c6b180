#pragma once

// Simulated nodes and clients for in-process tests of the document actor: each node is a
// Collaboration over its own io_contexts, with its FakeStore on the shared FakeStoreHub and
// its end of the FakeBusHub; the test thread runs every loop with poll(), every store call and
// every bus message, so a run is a deterministic function of its seed.

#include "collab/collaboration.hpp"
#include "fake_bus.hpp"
#include "fake_store.hpp"
#include "ot/op.hpp"
#include "ot/rope.hpp"
#include "proto/messages.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace tandem::collab::test {

// Small enough to reach every path, timers far enough not to fire during a test.
CollabOptions quiet_options();
// TANDEM_COLLAB_TRACE set: clients print what they send and receive.
bool tracing();

class Node {
 public:
  Node(std::size_t id, FakeStoreHub& stores, FakeBusHub& buses, CollabOptions options,
       std::size_t loops = 1);
  ~Node();

  std::size_t id() const { return id_; }
  std::size_t loop_count() const { return contexts_.size(); }
  Collaboration& collab() { return *collab_; }
  FakeBus& bus() { return *bus_; }

  // Runs every ready handler of every loop until none is ready; the number run.
  std::size_t poll();
  // Runs at most one ready handler of one loop.
  std::size_t poll_one(std::size_t loop);
  // Stops the Collaboration (its store calls must have run: FakeStoreHub::run_all).
  void shutdown();

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::size_t id_;
  FakeBusHub& buses_;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<Guard> guards_;
  FakeStore store_;
  std::unique_ptr<FakeBus> bus_;
  std::unique_ptr<Collaboration> collab_;
};

class SimClient;

// One connection of a SimClient: frames reach the client only while it is the current one.
class Connection final : public Subscriber {
 public:
  Connection(std::size_t loop, SimClient& owner);
  void deliver(const std::string& doc, const Frame& frame) override;

 private:
  SimClient& owner_;
};

// A client of one document that behaves as docs/protocol.md §5-§7 asks: it follows the
// stream, keeps one op in flight and the rest pending, transforms remote ops over them,
// resends with the same seq after a retryable error or a reconnect. Whatever breaks a
// guarantee of the stream is recorded in `violations`.
class SimClient {
 public:
  SimClient(std::string id, std::string doc) : id_(std::move(id)), doc_(std::move(doc)) {}

  const std::string& id() const { return id_; }
  const std::string& doc() const { return doc_; }

  // Subscribes through a new connection on `node` (from the version it has, when it has one
  // and `resume`), after dropping the old connection.
  void connect(Node& node, std::size_t loop, bool resume = true);
  void disconnect();
  bool connected() const { return connection_ != nullptr; }
  Node* node() const { return node_; }
  std::shared_ptr<Connection> connection() const { return connection_; }

  // Types: one random op on the local text, pending until it is sent and acknowledged.
  void edit(std::mt19937_64& random);
  // Sends the in-flight op when it has not been sent yet (or must be resent): true if sent.
  bool send_if_due();
  // Resends the in-flight op even though no answer came (as after a reconnect): as first
  // sent (`original`) or transformed to the current version.
  bool resend(bool original);
  // Sends a presence update with a cursor at `position` (clamped to the confirmed text).
  void show_cursor(std::uint64_t position, std::string name);

  bool due() const { return connected() && !pending_.empty() && !pending_.front().sent; }
  bool needs_resubscribe() const { return needs_resubscribe_; }
  bool idle() const { return pending_.empty(); }

  std::optional<std::uint64_t> version() const { return version_; }
  std::string text() const { return confirmed_.to_string(); }
  const std::map<std::uint64_t, std::uint64_t>& acked() const { return acked_; }
  const std::set<std::uint64_t>& abandoned() const { return abandoned_; }
  // The op this client applied at each version it followed (not those in a snapshot).
  const std::map<std::uint64_t, std::string>& applied() const { return applied_; }
  const std::vector<std::string>& violations() const { return violations_; }
  std::size_t snapshot_restarts() const { return snapshot_restarts_; }
  std::size_t retryable_errors() const { return retryable_errors_; }
  // Ops and acks that came after the subscription was refused, before resubscribing.
  std::size_t after_stream_end() const { return after_stream_end_; }
  // The latest presence heard of each other client (gone ones removed).
  const std::map<std::string, proto::PresenceMessage>& presence() const { return presence_; }
  const std::vector<proto::ServerMessage>& received() const { return received_; }

 private:
  friend class Connection;
  struct Pending {
    std::uint64_t seq = 0;
    ot::Op op;               // against the local state after the pending ops before it
    bool sent = false;       // sent and not refused since: no resend due
    bool ever_sent = false;  // its own op or ack may come back
    std::uint64_t first_base = 0;
    ot::Op first_op;
  };
  void on_frame(const Frame& frame);
  void on_remote_op(const proto::OpMessage& message);
  void on_own_applied(std::uint64_t version, const ot::Op* server_op);
  void submit(std::uint64_t base, const ot::Op& op);
  void violation(std::string what);

  std::string id_;
  std::string doc_;
  Node* node_ = nullptr;
  std::shared_ptr<Connection> connection_;

  std::optional<std::uint64_t> version_;
  ot::Rope confirmed_;
  std::vector<Pending> pending_;
  std::uint64_t next_seq_ = 1;
  std::map<std::uint64_t, std::uint64_t> acked_;  // seq -> version
  std::map<std::uint64_t, std::string> applied_;  // version -> the op applied there (JSON)
  std::set<std::uint64_t> abandoned_;             // sent, fate unknown after a snapshot restart
  bool needs_resubscribe_ = false;
  std::vector<std::string> violations_;
  std::size_t snapshot_restarts_ = 0;
  std::size_t retryable_errors_ = 0;
  std::size_t after_stream_end_ = 0;
  std::map<std::string, proto::PresenceMessage> presence_;
  std::vector<proto::ServerMessage> received_;
};

// A connection that only records what it receives, for scenarios that drive a document
// through Collaboration directly.
class Recorder final : public Subscriber {
 public:
  explicit Recorder(std::string client, std::size_t loop = 0)
      : Subscriber(loop, std::move(client)) {}
  void deliver(const std::string& doc, const Frame& frame) override;

  std::vector<proto::ServerMessage> messages;
  std::vector<std::string> raw;

  // The versions of every ack of `seq`, in order.
  std::vector<std::uint64_t> acks(std::uint64_t seq) const;
  std::vector<proto::ErrorMessage> errors(std::optional<std::uint64_t> seq) const;
  std::vector<proto::OpMessage> ops() const;
  std::vector<proto::Snapshot> snapshots() const;
  std::vector<proto::PresenceMessage> presence() const;
};

// The nodes and clients of one simulated cluster and the store and bus they share.
class World {
 public:
  World(std::uint64_t seed, std::size_t nodes, CollabOptions options, bool shared_store = true,
        std::size_t loops_per_node = 1);
  ~World();

  FakeStoreHub stores;
  FakeBusHub buses;
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<std::unique_ptr<SimClient>> clients;
  std::mt19937_64 random;

  SimClient& add_client(std::string id, std::string doc);
  std::size_t poll_all();
  // Runs loops and store calls in order until both are quiet (no bus delivery).
  void settle();
  // Delivers everything, answers every store call, lets clients resend and resubscribe, runs
  // head checks, until nothing moves. False if it would not end.
  bool quiesce(bool reconnect_clients = true);
  // A head check on `node` (what the bus's reconnect triggers), run to its end.
  void head_check(std::size_t node);
  // The document as every node serves it (loading it if needed): version and text.
  std::vector<std::pair<std::uint64_t, std::string>> read_on_every_node(const std::string& doc);
  // Every property of the test's brief that holds at rest; failures are reported to gtest.
  void check_converged(const std::string& context);
  void shutdown();

 private:
  bool down_ = false;
};

}  // namespace tandem::collab::test
