#pragma once

#include "bus/bus.hpp"
#include "collab/bus_message.hpp"
#include "collab/collab_options.hpp"
#include "collab/fanout_group.hpp"
#include "collab/history_window.hpp"
#include "collab/presence_table.hpp"
#include "collab/subscriber.hpp"
#include "ot/rope.hpp"
#include "proto/error.hpp"
#include "store/document_store.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/container/deque.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace tandem::collab {

// What the documents of one event loop share.
struct LoopServices {
  std::size_t loop_index;
  std::vector<boost::asio::io_context*> loops;  // every loop, to reach subscribers
  store::DocumentStore& store;
  const CollabOptions& options;
  bus::Bus& bus;
  // Other nodes append to the store (DESIGN.md §9): a document's head can move without us, so
  // batches are rebased at the head, and a version ahead of ours means "read the store".
  bool cluster = false;
  // The bus reaches other nodes: publish commits and presence, subscribe to documents.
  bool publish = false;
  // The server is shutting down: submits not yet started are refused, the rest finish.
  bool draining = false;

  boost::asio::io_context& own_loop() const { return *loops[loop_index]; }
};

// How a submit ended, reported on the document's loop once it is settled.
struct SubmitResult {
  enum class Status { kApplied, kDuplicate, kRejected };
  Status status = Status::kRejected;
  std::uint64_t version = 0;  // where the op was applied (kApplied, kDuplicate)
  proto::ErrorCode error = proto::ErrorCode::kInternal;  // for kRejected
  std::string message;
  std::optional<std::chrono::milliseconds> retry =
      std::nullopt;  // for kRejected: when to try again, if known
};
using SubmitCallback = std::function<void(const SubmitResult&)>;

struct DocumentRead {
  bool ok = false;
  std::uint64_t version = 0;
  std::string text;
};

// One open document, owned by one event loop and touched only from it (DESIGN.md §3, §6).
//
// Submits are processed in batches: while one batch of applied ops is being made durable, new
// submits queue; when the store confirms the batch, its ops are broadcast (the author gets an
// ack in place of its op) and the next batch starts. So every subscriber sees only durable
// ops, in version order, and snapshots are cut at batch boundaries where memory == disk.
class DocumentActor {
 public:
  DocumentActor(std::string doc, LoopServices& services);
  ~DocumentActor();

  DocumentActor(const DocumentActor&) = delete;
  DocumentActor& operator=(const DocumentActor&) = delete;

  // From version `from` (every op after it, then live ops) or, without it, from a snapshot.
  // `may_create` is asked when the document is not in the store yet (empty: allowed).
  void subscribe(SubscriberPtr subscriber, std::optional<std::uint64_t> from,
                 CreationCheck may_create = {});
  void unsubscribe(const SubscriberPtr& subscriber);
  // `author` (may be null) gets the ack in its stream; `on_result` (may be empty) the outcome.
  void submit(SubscriberPtr author, std::string client, std::uint64_t base, std::uint64_t seq,
              ot::Op op, SubmitCallback on_result, CreationCheck may_create = {});
  void update_presence(const SubscriberPtr& owner, std::uint64_t version, PresenceState state);
  // The durable text and version.
  void read(std::function<void(DocumentRead)> done);

  // Cluster (DESIGN.md §9). A message another node published about this document.
  void on_bus_message(std::string_view payload);
  // A head check found the store at `head`: read what this node has not seen.
  void catch_up_to(std::uint64_t head);
  // The version subscribers have seen, for head checks.
  std::uint64_t durable_version() const { return durable_version_; }

  // Drops quiet presence and, once the document is quiet, its history window; true when the
  // document has nothing left to do and may be unloaded.
  bool sweep(Clock::time_point now);
  // Shutdown: refuses the submits not yet started (LoopServices::draining refuses later ones).
  void drain();
  // Nothing is queued, being made durable or waiting for the store.
  bool settled() const;

  const std::string& id() const { return doc_; }
  std::size_t subscriber_count() const { return subscribers_.size(); }

 private:
  enum class State { kLoading, kReady, kFailed };

  struct Submit {
    SubscriberPtr author;
    std::string client;
    std::uint64_t base;
    std::uint64_t seq;
    ot::Op op;
    SubmitCallback on_result;
    CreationCheck may_create;
    bool synced = false;  // the store was read for a base ahead of this node (cluster)
    int attempts = 0;     // times a batch holding it was refused with kConflict and retried
  };
  // One entry of the batch being made durable, settled in order when the batch completes.
  struct BatchItem {
    bool duplicate = false;
    bool durable = false;
    std::uint64_t version = 0;
    SubscriberPtr author;
    std::string client;
    std::uint64_t seq = 0;
    ot::Op op;
    SubmitCallback on_result;
    // As submitted, to process it again when the store refuses the batch with kConflict.
    std::uint64_t base = 0;
    ot::Op submitted;
    int attempts = 0;
    // Cluster: the op as of the batch's first version (before the batch's earlier ops), which
    // the store rebases over what other nodes appended; empty for a base past that version.
    std::optional<ot::Op> at_head;
    ot::Op undo;  // cluster: takes the op back out of the text (ot::invert)
  };

  void load();
  void on_loaded(store::Result<store::LoadedDocument> loaded);
  // After a reload, subscribers still at `seen` get what changed since (ops or a snapshot).
  void resync_subscribers(std::uint64_t seen);
  // Runs `call(true)` once the document is loaded, or `call(false)` if loading fails.
  void run_when_ready(std::function<void(bool loaded)> call);

  // `synced`: the store was read since a version ahead of this node was asked for (cluster).
  void subscribe(SubscriberPtr subscriber, std::optional<std::uint64_t> from,
                 CreationCheck may_create, bool synced);
  void send_snapshot_and_join(const SubscriberPtr& subscriber);
  void catch_up_and_join(const SubscriberPtr& subscriber, std::uint64_t from);
  void join(const SubscriberPtr& subscriber);
  bool subscribed(const Subscriber* subscriber) const;
  // Forgets a subscriber and takes it out of its fanout group; false if it was not subscribed.
  bool drop_subscriber(const SubscriberPtr& subscriber);

  void pump();
  // Hands the staged ops of the batch to the store in one append_batch.
  void flush_batch();
  void on_batch_appended(store::Result<store::AppendOutcome> outcome);
  // Ops other nodes appended before this batch (outcome.foreign): applied in front of it, the
  // batch's ops moved after them; false when memory cannot be rebuilt (the document reloads).
  bool apply_foreign_before_batch(const store::AppendOutcome& outcome);
  void process(Submit submit);
  void process_with_older_ops(Submit submit, std::vector<store::StoredOp> older);
  void apply_and_append(Submit submit, ot::Op transformed, std::optional<ot::Op> at_head);
  void on_appended(std::uint64_t version, const store::Result<void>& result);
  void finish_batch();
  void reject(const Submit& submit, proto::ErrorCode code, std::string message,
              std::optional<std::chrono::milliseconds> retry = std::nullopt);
  // Zero when the caller may go on; else the wait `may_create` asks for. Only the first use of
  // a document the store does not have needs the permission.
  std::chrono::milliseconds creation_wait(const CreationCheck& may_create);
  // The document's length in code points at `version` (history_.start() <= version <= version_).
  std::uint64_t length_at(std::uint64_t version) const;
  void maybe_snapshot();

  // ---- Cluster ----
  // Applies remote ops that continue the document; starts a store read on a gap.
  void apply_remote_ops();
  // Drops what memory already has, then applies the ops that continue the document.
  void apply_contiguous_remote_ops();
  void apply_remote_op(store::StoredOp stored);
  void start_sync();
  void on_remote_presence(BusPresence presence);
  void publish(const BusMessage& message);
  void publish_presence(PresenceTable::Entry& entry, const std::string& client,
                        Clock::time_point now);

  void broadcast_presence(PresenceTable::Entry& entry, const std::string& client,
                          Clock::time_point now);
  void flush_presence();
  void broadcast_gone(const std::string& client, const Subscriber* owner);

  // To one subscriber, after its snapshot or catch-up when that is still on its way.
  void send_to(const SubscriberPtr& subscriber, std::vector<Frame> frames);
  // To one subscriber now: the start of its stream.
  void post_frames(const SubscriberPtr& subscriber, std::vector<Frame> frames);
  // Posts to the loop of every group; one post per loop, however many members it has.
  void broadcast(const Frame& frame, const SubscriberPtr& author, const Frame* author_frame);
  void broadcast_except(const Frame& frame, const Subscriber* skip);
  FanoutGroup& group_for(std::size_t loop);

  // Runs `then` on this loop with the result of a store call.
  template <typename T>
  std::function<void(store::Result<T>)> on_loop(std::function<void(store::Result<T>)> then);

  std::string doc_;
  LoopServices& services_;
  State state_ = State::kLoading;
  std::vector<std::function<void(bool)>> waiting_;  // calls that arrived before the load finished

  ot::Rope text_;
  std::uint64_t version_ = 0;          // ops applied in memory
  std::uint64_t durable_version_ = 0;  // ops the store has confirmed and subscribers have seen
  std::uint64_t oldest_retained_ = 0;  // the store has no ops before this one
  std::uint64_t last_snapshot_version_ = 0;
  HistoryWindow history_;

  std::unordered_map<const Subscriber*, SubscriberPtr> subscribers_;
  std::vector<std::shared_ptr<FanoutGroup>> groups_;  // by loop; members live on that loop

  boost::container::deque<Submit> submit_queue_;  // allocates nothing while empty
  std::vector<BatchItem> batch_;
  std::vector<store::StoredOp> staged_;  // the batch's ops not yet handed to the store
  std::size_t in_flight_ = 0;            // store appends of the current batch not yet confirmed
  bool batch_failed_ = false;
  // The store refused the batch with kConflict (another node's ops came first and the batch
  // could not be rebased, or an op was already appended): its submits are processed again
  // after the reload instead of being refused.
  bool batch_conflict_ = false;
  // Cluster: a batch was refused for that; batches hold one op until one goes in uncontested.

  bool fetching_ = false;  // a submit waits for older ops from the store
  std::size_t store_calls_ = 0;
  std::vector<SubscriberPtr> deferred_snapshots_;
  // Subscribers whose snapshot or catch-up from the store is on its way: frames sent to them
  // meanwhile (acks of resent ops, errors) follow it, at join.
  std::unordered_map<const Subscriber*, std::vector<Frame>> held_;
  std::vector<std::function<void(DocumentRead)>> deferred_reads_;

  // Cluster: ops other nodes committed, heard on the bus, not yet applied (by version).
  std::map<std::uint64_t, store::StoredOp> remote_ops_;
  std::uint64_t known_head_ = 0;  // the highest head heard of (bus, head checks)
  bool syncing_ = false;          // a store read of what other nodes appended is running
  bool sync_wanted_ = false;      // a read of the store's head is asked for (cluster GET)
  // The last such read failed: a version ahead of this node is unknown, not wrong.
  bool last_sync_failed_ = false;
  std::vector<std::function<void()>> after_sync_;  // calls waiting until this node is current
  // Presence that refers to a version this node has not applied yet, by client.
  std::unordered_map<std::string, BusPresence> early_presence_;
  bool loaded_once_ = false;  // a reload keeps subscribers and catches them up

  PresenceTable presence_;
  boost::asio::steady_timer presence_timer_;
  bool presence_timer_armed_ = false;
  Clock::time_point last_activity_;
  bool creation_allowed_ = false;  // someone was allowed to create this document
};

}  // namespace tandem::collab
