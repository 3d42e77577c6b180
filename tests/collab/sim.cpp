#include "sim.hpp"

#include "collab/frames.hpp"
#include "ot/apply.hpp"
#include "ot/op_json.hpp"
#include "ot/transform.hpp"
#include "ot_test_support.hpp"
#include "proto/decode_server.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <utility>
#include <variant>

namespace tandem::collab::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

CollabOptions quiet_options() {
  CollabOptions options;
  options.history_window = 1000;
  options.snapshot_every = 1000;
  options.idle_unload = std::chrono::hours(1);
  options.history_release_after = std::chrono::hours(1);
  options.presence_interval = 0ms;
  options.presence_ttl = std::chrono::hours(1);
  options.presence_node_ttl = std::chrono::hours(1);
  options.head_check_interval = std::chrono::hours(1);
  options.head_check_interval_without_bus = std::chrono::hours(1);
  return options;
}

// ---- Node ---------------------------------------------------------------------------------

Node::Node(std::size_t id, FakeStoreHub& stores, FakeBusHub& buses, CollabOptions options,
           std::size_t loops)
    : id_(id), buses_(buses), store_(stores, id), bus_(buses.attach(id)) {
  std::vector<asio::io_context*> raw;
  for (std::size_t i = 0; i < loops; ++i) {
    contexts_.push_back(std::make_unique<asio::io_context>());
    // poll() must not stop a loop that runs out of work for a moment.
    guards_.push_back(asio::make_work_guard(*contexts_.back()));
    raw.push_back(contexts_.back().get());
  }
  collab_ = std::make_unique<Collaboration>(raw, store_, *bus_, options);
  collab_->start();
}

Node::~Node() { shutdown(); }

std::size_t Node::poll() {
  std::size_t total = 0;
  while (true) {
    std::size_t ran = 0;
    for (auto& context : contexts_) ran += context->poll();
    if (ran == 0) return total;
    total += ran;
  }
}

std::size_t Node::poll_one(std::size_t loop) { return contexts_.at(loop)->poll_one(); }

void Node::shutdown() {
  if (!collab_) return;
  // stop() waits for every loop to run its part: the loops are ours, so run them meanwhile.
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    collab_->stop();
    stopped = true;
  });
  while (!stopped) {
    if (poll() == 0) std::this_thread::sleep_for(1ms);
  }
  stopper.join();
  bus_->close();
  collab_.reset();
}

// ---- Connection and SimClient -------------------------------------------------------------

Connection::Connection(std::size_t loop, SimClient& owner)
    : Subscriber(loop, owner.id()), owner_(owner) {}

void Connection::deliver(const std::string& doc, const Frame& frame) {
  if (doc != owner_.doc()) owner_.violation("a frame for another document: " + doc);
  // A connection that went away hears nothing more.
  if (owner_.connection_.get() == this) owner_.on_frame(frame);
}

void SimClient::violation(std::string what) { violations_.push_back(id_ + ": " + std::move(what)); }

void SimClient::connect(Node& node, std::size_t loop, bool resume) {
  disconnect();
  node_ = &node;
  connection_ = std::make_shared<Connection>(loop, *this);
  needs_resubscribe_ = false;
  presence_.clear();
  std::optional<std::uint64_t> from;
  if (resume) from = version_;
  if (tracing()) {
    std::fprintf(stderr, "  %s connects to node %zu loop %zu from %lld\n", id_.c_str(), node.id(),
                 loop, from ? static_cast<long long>(*from) : -1LL);
  }
  node.collab().subscribe(doc_, from, connection_);
  // An in-flight op without an answer is resent on the new connection (same seq).
  if (!pending_.empty()) pending_.front().sent = false;
}

void SimClient::disconnect() {
  if (!connection_) return;
  connection_->depart();
  node_->collab().unsubscribe(doc_, connection_);
  connection_.reset();
  node_ = nullptr;
}

void SimClient::edit(std::mt19937_64& random) {
  if (!version_) return;  // nothing to edit before the first snapshot
  std::uint64_t length = confirmed_.length();
  for (const Pending& pending : pending_) {
    length = length + ot::output_length(pending.op) - ot::input_length(pending.op);
  }
  ot::test::Random ops(random());
  Pending pending;
  pending.seq = next_seq_++;
  pending.op = ops.op(length);
  pending_.push_back(std::move(pending));
}

void SimClient::submit(std::uint64_t base, const ot::Op& op) {
  if (tracing()) {
    std::fprintf(stderr, "  %s -> node %zu: seq %llu base %llu %s\n", id_.c_str(), node_->id(),
                 static_cast<unsigned long long>(pending_.front().seq),
                 static_cast<unsigned long long>(base), ot::encode_op(op).c_str());
  }
  node_->collab().submit(doc_, connection_, id_, base, pending_.front().seq, op);
}

bool SimClient::send_if_due() {
  if (!due() || !version_) return false;
  Pending& in_flight = pending_.front();
  if (!in_flight.ever_sent) {
    in_flight.first_base = *version_;
    in_flight.first_op = in_flight.op;
  }
  in_flight.sent = true;
  in_flight.ever_sent = true;
  submit(*version_, in_flight.op);
  return true;
}

bool SimClient::resend(bool original) {
  if (!connected() || pending_.empty() || !pending_.front().ever_sent || !version_) return false;
  const Pending& in_flight = pending_.front();
  if (original) {
    submit(in_flight.first_base, in_flight.first_op);
  } else {
    submit(*version_, in_flight.op);
  }
  return true;
}

void SimClient::show_cursor(std::uint64_t position, std::string name) {
  if (!connected() || !version_) return;
  position = std::min<std::uint64_t>(position, confirmed_.length());
  PresenceState state{{ot::Selection{position, position}}, std::move(name), "#123456"};
  node_->collab().update_presence(doc_, connection_, *version_, std::move(state));
}

void SimClient::on_own_applied(std::uint64_t version, const ot::Op* server_op) {
  Pending& in_flight = pending_.front();
  if (server_op != nullptr && ot::encode_op(*server_op) != ot::encode_op(in_flight.op)) {
    violation("own op " + std::to_string(in_flight.seq) + " came back as " +
              ot::encode_op(*server_op) + ", not " + ot::encode_op(in_flight.op));
  }
  if (auto applied = ot::apply(confirmed_, server_op ? *server_op : in_flight.op); !applied.ok()) {
    violation("own op does not apply to the confirmed text");
  }
  acked_[in_flight.seq] = version;
  applied_[version] = ot::encode_op(server_op ? *server_op : in_flight.op);
  version_ = version + 1;
  pending_.erase(pending_.begin());
}

void SimClient::on_remote_op(const proto::OpMessage& message) {
  ot::Op remote = message.op;
  applied_[message.version] = ot::encode_op(remote);
  if (auto applied = ot::apply(confirmed_, remote); !applied.ok()) {
    violation("op " + std::to_string(message.version) +
              " does not apply: " + applied.error().message);
    return;
  }
  // docs/protocol.md §6: pending' = transform(pending, remote, left), and the remote op moves
  // over each pending op with right.
  for (Pending& pending : pending_) {
    ot::Op moved = ot::transform(pending.op, remote, ot::Side::kLeft);
    remote = ot::transform(remote, pending.op, ot::Side::kRight);
    pending.op = std::move(moved);
  }
  version_ = message.version + 1;
}

bool tracing() {
  static const bool on = std::getenv("TANDEM_COLLAB_TRACE") != nullptr;
  return on;
}

void SimClient::on_frame(const Frame& frame) {
  if (tracing()) std::fprintf(stderr, "  %s <- %s\n", id_.c_str(), frame.json->c_str());
  auto decoded = proto::decode_server_message(*frame.json);
  if (!decoded.ok()) return violation("undecodable frame: " + *frame.json);
  received_.push_back(decoded.value());
  const auto& message = decoded.value();
  if (const auto* snapshot = std::get_if<proto::Snapshot>(&message)) {
    confirmed_ = ot::Rope::from_utf8(snapshot->text).value();
    version_ = snapshot->version;
    if (!pending_.empty()) {
      // A restart from a snapshot: what was in flight may or may not be in it, and may still
      // be applied after it. The client keeps its text (§7, not modelled) and starts a clean
      // stream from a snapshot it asked for, with nothing in flight.
      ++snapshot_restarts_;
      const bool in_flight = pending_.front().ever_sent;
      for (const Pending& pending : pending_) abandoned_.insert(pending.seq);
      pending_.clear();
      if (in_flight) {
        needs_resubscribe_ = true;
        version_.reset();
      }
    }
    return;
  }
  const bool moves = std::holds_alternative<proto::OpMessage>(message) ||
                     std::holds_alternative<proto::Ack>(message);
  if (moves && needs_resubscribe_) {
    // The subscription ended (the document could not be loaded): the stream is over, and an
    // ack that still comes for a submit queued before is out of it. A client following §5
    // takes it for a gap and resubscribes from its version anyway.
    ++after_stream_end_;
    return;
  }
  if (const auto* op = std::get_if<proto::OpMessage>(&message)) {
    if (!version_) return violation("op " + std::to_string(op->version) + " before a snapshot");
    if (op->version != *version_) {
      return violation("op " + std::to_string(op->version) + " while at version " +
                       std::to_string(*version_) +
                       (op->version < *version_ ? " (duplicate)" : " (gap)"));
    }
    if (op->client == id_) {
      if (!pending_.empty() && pending_.front().ever_sent && pending_.front().seq == op->seq) {
        return on_own_applied(op->version, &op->op);
      }
      if (!abandoned_.contains(op->seq)) {
        violation("own op seq " + std::to_string(op->seq) + " at " + std::to_string(op->version) +
                  " that was not in flight");
      }
    }
    return on_remote_op(*op);
  }
  if (const auto* ack = std::get_if<proto::Ack>(&message)) {
    if (!pending_.empty() && pending_.front().ever_sent && pending_.front().seq == ack->seq) {
      if (!version_ || ack->version != *version_) {
        return violation("ack of " + std::to_string(ack->seq) + " at " +
                         std::to_string(ack->version) + " while at version " +
                         std::to_string(version_.value_or(0)));
      }
      return on_own_applied(ack->version, nullptr);
    }
    // The answer to a resend of an op confirmed already: ignored, but it must agree.
    auto known = acked_.find(ack->seq);
    if (known != acked_.end() && known->second != ack->version) {
      violation("ack of " + std::to_string(ack->seq) + " at " + std::to_string(ack->version) +
                ", first acked at " + std::to_string(known->second));
    } else if (known == acked_.end() && !abandoned_.contains(ack->seq)) {
      violation("ack of seq " + std::to_string(ack->seq) + " at " + std::to_string(ack->version) +
                " that was never sent or not yet applied");
    }
    return;
  }
  if (const auto* presence = std::get_if<proto::PresenceMessage>(&message)) {
    if (presence->gone) {
      presence_.erase(presence->client);
    } else {
      presence_[presence->client] = *presence;
    }
    return;
  }
  if (const auto* error = std::get_if<proto::ErrorMessage>(&message)) {
    using proto::ErrorCode;
    const bool in_flight = error->seq && !pending_.empty() && pending_.front().seq == *error->seq;
    const bool retryable =
        error->code == ErrorCode::kInternal || error->code == ErrorCode::kOverloaded ||
        error->code == ErrorCode::kRateLimited || error->code == ErrorCode::kTooManyNewDocs;
    if (error->seq) {
      if (!in_flight) {
        if (!acked_.contains(*error->seq) && !abandoned_.contains(*error->seq)) {
          violation("error for seq " + std::to_string(*error->seq) + " not in flight");
        }
        return;
      }
      if (retryable) {
        ++retryable_errors_;
        pending_.front().sent = false;  // resend, same seq
        return;
      }
      if (error->code == ErrorCode::kResyncRequired) {
        // §7: resubscribe without a version; the op is re-applied as a new one (not modelled).
        for (const Pending& pending : pending_) abandoned_.insert(pending.seq);
        pending_.clear();
        needs_resubscribe_ = true;
        version_.reset();
        return;
      }
      return violation("op " + std::to_string(*error->seq) + " refused: " + error->message);
    }
    // Without a seq: a subscription refused (the client subscribes again), or a note before
    // the snapshot that follows.
    if (error->code == ErrorCode::kInternal) {
      needs_resubscribe_ = true;
      if (!pending_.empty()) pending_.front().sent = false;  // resent after resubscribing
    }
    return;
  }
  violation("unexpected message: " + *frame.json);
}

// ---- Recorder -----------------------------------------------------------------------------

void Recorder::deliver(const std::string& /*doc*/, const Frame& frame) {
  if (tracing()) std::fprintf(stderr, "  %s <- %s\n", client().c_str(), frame.json->c_str());
  raw.push_back(*frame.json);
  auto decoded = proto::decode_server_message(*frame.json);
  EXPECT_TRUE(decoded.ok()) << *frame.json;
  if (decoded.ok()) messages.push_back(std::move(decoded.value()));
}

std::vector<std::uint64_t> Recorder::acks(std::uint64_t seq) const {
  std::vector<std::uint64_t> out;
  for (const auto& message : messages) {
    if (const auto* ack = std::get_if<proto::Ack>(&message); ack && ack->seq == seq) {
      out.push_back(ack->version);
    }
  }
  return out;
}

std::vector<proto::ErrorMessage> Recorder::errors(std::optional<std::uint64_t> seq) const {
  std::vector<proto::ErrorMessage> out;
  for (const auto& message : messages) {
    if (const auto* error = std::get_if<proto::ErrorMessage>(&message);
        error && error->seq == seq) {
      out.push_back(*error);
    }
  }
  return out;
}

std::vector<proto::OpMessage> Recorder::ops() const {
  std::vector<proto::OpMessage> out;
  for (const auto& message : messages) {
    if (const auto* op = std::get_if<proto::OpMessage>(&message)) out.push_back(*op);
  }
  return out;
}

std::vector<proto::Snapshot> Recorder::snapshots() const {
  std::vector<proto::Snapshot> out;
  for (const auto& message : messages) {
    if (const auto* snapshot = std::get_if<proto::Snapshot>(&message)) out.push_back(*snapshot);
  }
  return out;
}

std::vector<proto::PresenceMessage> Recorder::presence() const {
  std::vector<proto::PresenceMessage> out;
  for (const auto& message : messages) {
    if (const auto* presence = std::get_if<proto::PresenceMessage>(&message)) {
      out.push_back(*presence);
    }
  }
  return out;
}

// ---- World --------------------------------------------------------------------------------

World::World(std::uint64_t seed, std::size_t node_count, CollabOptions options, bool shared_store,
             std::size_t loops_per_node)
    : stores(shared_store), buses(seed * 7919 + 1), random(seed) {
  // Injected failures log errors by the hundred; the trace shows what matters.
  spdlog::set_level(tracing() ? spdlog::level::debug : spdlog::level::critical);
  for (std::size_t i = 0; i < node_count; ++i) {
    nodes.push_back(std::make_unique<Node>(i, stores, buses, options, loops_per_node));
  }
}

World::~World() { shutdown(); }

SimClient& World::add_client(std::string id, std::string doc) {
  clients.push_back(std::make_unique<SimClient>(std::move(id), std::move(doc)));
  return *clients.back();
}

std::size_t World::poll_all() {
  std::size_t ran = 0;
  for (auto& node : nodes) ran += node->poll();
  return ran;
}

void World::settle() {
  while (poll_all() + stores.run_all() > 0) {
  }
}

void World::head_check(std::size_t node) {
  buses.reconnect(node);
  settle();
}

bool World::quiesce(bool reconnect_clients) {
  for (int round = 0; round < 10'000; ++round) {
    std::size_t moved = poll_all() + stores.run_all();
    moved += poll_all() + buses.deliver_all();
    for (auto& client : clients) {
      if (reconnect_clients && (!client->connected() || client->needs_resubscribe())) {
        Node& node = *nodes[random() % nodes.size()];
        client->connect(node, random() % node.loop_count());
        ++moved;
      }
      if (client->send_if_due()) ++moved;
    }
    if (moved > 0) continue;
    // At rest as far as the bus tells: a head check on every node finds what it missed.
    for (auto& node : nodes) buses.reconnect(node->id());
    moved = poll_all() + stores.run_all();
    while (moved > 0 && (poll_all() + stores.run_all()) > 0) {
    }
    if (buses.pending() == 0 && stores.pending() == 0) {
      bool busy = false;
      for (auto& client : clients) busy = busy || client->due();
      if (!busy && poll_all() == 0) {
        // One more head check must change nothing: each node is at the store's head.
        return true;
      }
    }
  }
  return false;
}

std::vector<std::pair<std::uint64_t, std::string>> World::read_on_every_node(
    const std::string& doc) {
  std::vector<std::pair<std::uint64_t, std::string>> out(nodes.size());
  std::vector<bool> done(nodes.size(), false);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    nodes[i]->collab().read(doc, [&out, &done, i](DocumentRead read) {
      EXPECT_TRUE(read.ok);
      out[i] = {read.version, std::move(read.text)};
      done[i] = true;
    });
  }
  for (int round = 0; round < 1000; ++round) {
    settle();
    if (std::all_of(done.begin(), done.end(), [](bool d) { return d; })) return out;
  }
  ADD_FAILURE() << "a read never finished";
  return out;
}

void World::check_converged(const std::string& context) {
  SCOPED_TRACE(context);
  std::set<std::string> docs;
  for (auto& client : clients) docs.insert(client->doc());
  for (const std::string& doc : docs) {
    const FakeStoreHub::Document* document = stores.document(doc);
    const std::uint64_t head = stores.head(doc);
    std::string text;
    try {
      text = stores.replay(doc);
    } catch (const std::exception& e) {
      ADD_FAILURE() << doc << ": " << e.what();
      continue;
    }
    // The log: contiguous versions, each (client, seq) once.
    std::map<std::pair<std::string, std::uint64_t>, std::uint64_t> where;
    if (document != nullptr) {
      for (std::uint64_t v = 0; v < document->log.size(); ++v) {
        const store::StoredOp& op = document->log[v];
        EXPECT_EQ(op.version, v) << doc;
        EXPECT_TRUE(where.emplace(std::pair{op.client, op.seq}, v).second)
            << doc << ": (" << op.client << ", " << op.seq << ") twice in the log";
      }
    }
    const auto reads = read_on_every_node(doc);
    for (std::size_t i = 0; i < reads.size(); ++i) {
      EXPECT_EQ(reads[i].first, head) << doc << " on node " << i;
      EXPECT_EQ(reads[i].second, text) << doc << " on node " << i;
    }
    for (auto& client : clients) {
      if (client->doc() != doc) continue;
      for (const std::string& violation : client->violations()) ADD_FAILURE() << violation;
      if (!client->connected()) continue;
      EXPECT_TRUE(client->idle()) << client->id() << " still has ops pending";
      EXPECT_EQ(client->version(), std::optional<std::uint64_t>(head)) << client->id();
      EXPECT_EQ(client->text(), text) << client->id();
      for (const auto& [version, op] : client->applied()) {
        if (document == nullptr || version >= document->log.size()) continue;
        auto stored = ot::decode_op(document->log[version].op_json);
        EXPECT_EQ(op, ot::encode_op(stored.value()))
            << client->id() << " applied another op at " << version << " than the log has, by ("
            << document->log[version].client << ", " << document->log[version].seq << ")";
      }
      for (const auto& [seq, version] : client->acked()) {
        auto found = where.find({client->id(), seq});
        if (found == where.end()) {
          ADD_FAILURE() << client->id() << " seq " << seq << " acked at " << version
                        << " is not in the log";
        } else {
          EXPECT_EQ(found->second, version) << client->id() << " seq " << seq;
        }
      }
    }
  }
}

void World::shutdown() {
  if (down_) return;
  down_ = true;
  for (auto& client : clients) client->disconnect();
  settle();
  for (auto& node : nodes) {
    settle();
    node->shutdown();
  }
  nodes.clear();
}

}  // namespace tandem::collab::test
