#include "collab/document_actor.hpp"

#include "collab/frames.hpp"
#include "collab/rebase.hpp"
#include "ot/apply.hpp"
#include "ot/invert.hpp"
#include "ot/op_json.hpp"
#include "ot/transform.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

namespace tandem::collab {

namespace asio = boost::asio;

namespace {

// How long a client waits before resending an op the store could not take.
constexpr std::chrono::milliseconds kStoreRetry{1000};
// Ops published on the bus in one message at most; a bigger commit publishes its head only.
constexpr std::size_t kMaxPublishedOpBytes = 64 * 1024;

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

DocumentActor::DocumentActor(std::string doc, LoopServices& services)
    : doc_(std::move(doc)),
      services_(services),
      history_(services.options.history_window),
      groups_(services.loops.size()),
      presence_timer_(services.own_loop()),
      last_activity_(Clock::now()) {
  load();
}

DocumentActor::~DocumentActor() = default;

template <typename T>
std::function<void(store::Result<T>)> DocumentActor::on_loop(
    std::function<void(store::Result<T>)> then) {
  ++store_calls_;
  // The actor outlives every store call it made: it is only unloaded with store_calls_ == 0,
  // and at shutdown the store is closed (running every completion) before actors are dropped.
  return [this, then = std::move(then)](store::Result<T> result) mutable {
    asio::post(services_.own_loop(),
               [this, then = std::move(then), result = std::move(result)]() mutable {
                 --store_calls_;
                 then(std::move(result));
               });
  };
}

// ---- Loading ----------------------------------------------------------------------------

void DocumentActor::load() {
  state_ = State::kLoading;
  services_.store.load(
      doc_, on_loop<store::LoadedDocument>([this](store::Result<store::LoadedDocument> loaded) {
        on_loaded(std::move(loaded));
      }));
}

void DocumentActor::on_loaded(store::Result<store::LoadedDocument> loaded) {
  const bool reload = loaded_once_;
  const std::uint64_t seen = durable_version_;
  auto fail = [this, reload](const std::string& why) {
    spdlog::error("document {}: cannot load: {}", doc_, why);
    state_ = State::kFailed;
    if (reload && services_.cluster) {
      // The shared store is unreachable for a while: subscribers stay and catch up when a head
      // check (or the next call) loads the document again; queued submits are resent later.
      for (Submit& submit : std::exchange(submit_queue_, {})) {
        reject(submit, proto::ErrorCode::kInternal,
               "the document could not be loaded; resend after retry_ms", kStoreRetry);
      }
      for (auto& call : std::exchange(waiting_, {})) call(false);
      // Reads answer with an error now; subscriptions try to load again.
      for (auto& call : std::exchange(after_sync_, {})) call();
      return;
    }
    // Everyone who waited hears about it; a later call tries to load again.
    auto subscribers = std::exchange(subscribers_, {});
    for (auto& [raw, subscriber] : subscribers) {
      subscribers_.emplace(raw, subscriber);
      drop_subscriber(subscriber);
      send_to(subscriber,
              {error_frame(proto::ErrorCode::kInternal, "the document could not be loaded", doc_)});
    }
    auto queued = std::exchange(submit_queue_, {});
    for (Submit& submit : queued) {
      reject(submit, proto::ErrorCode::kInternal, "the document could not be loaded");
    }
    for (auto& call : std::exchange(waiting_, {})) call(false);
  };
  if (!loaded.ok()) return fail(loaded.error().message);

  store::LoadedDocument& document = loaded.value();
  auto rope = ot::Rope::from_utf8(document.snapshot.text);
  if (!rope.ok()) return fail("snapshot is not valid UTF-8");
  text_ = std::move(rope.value());
  version_ = document.snapshot.version;
  history_.reset(version_);
  for (store::StoredOp& stored : document.ops) {
    auto op = ot::decode_op(stored.op_json, services_.options.ot_limits);
    if (!op.ok() || stored.version != version_) {
      return fail("op " + std::to_string(stored.version) + " is unreadable or out of order");
    }
    if (auto applied = ot::apply(text_, op.value(), services_.options.ot_limits); !applied.ok()) {
      return fail("op " + std::to_string(stored.version) +
                  " does not apply: " + applied.error().message);
    }
    history_.push(
        AppliedOp{stored.version, std::move(stored.client), stored.seq, std::move(op.value())});
    ++version_;
  }
  durable_version_ = version_;
  oldest_retained_ = document.oldest_retained_version;
  last_snapshot_version_ = document.snapshot.version;
  state_ = State::kReady;
  loaded_once_ = true;
  if (reload) resync_subscribers(seen);
  // Those that waited for a batch that failed: memory equals the log again.
  for (const SubscriberPtr& subscriber : std::exchange(deferred_snapshots_, {})) {
    if (subscribed(subscriber.get())) send_snapshot_and_join(subscriber);
  }
  for (auto& done : std::exchange(deferred_reads_, {})) {
    done(DocumentRead{true, durable_version_, text_.to_string()});
  }

  for (auto& call : std::exchange(waiting_, {})) call(true);
  pump();
}

void DocumentActor::resync_subscribers(std::uint64_t seen) {
  if (seen == durable_version_ || subscribers_.empty()) return;
  const bool from_window = seen < durable_version_ && seen >= history_.start();
  for (auto& [raw, subscriber] : subscribers_) {
    // Still waiting for its first snapshot: it gets one, not ops after a version it never had.
    if (std::find(deferred_snapshots_.begin(), deferred_snapshots_.end(), subscriber) !=
        deferred_snapshots_.end()) {
      continue;
    }
    if (!from_window) {
      send_to(subscriber, {snapshot_frame(doc_, durable_version_, text_)});
      continue;
    }
    std::vector<Frame> frames;
    for (std::uint64_t v = seen; v < durable_version_; ++v) {
      const AppliedOp& applied = history_.at(v);
      frames.push_back(op_frame(doc_, v, applied.op, applied.client, applied.seq));
    }
    send_to(subscriber, std::move(frames));
  }
}

void DocumentActor::run_when_ready(std::function<void(bool loaded)> call) {
  last_activity_ = Clock::now();
  waiting_.push_back(std::move(call));
  if (state_ == State::kFailed) load();
}

// ---- Subscriptions ----------------------------------------------------------------------

bool DocumentActor::subscribed(const Subscriber* subscriber) const {
  return subscribers_.contains(subscriber);
}

void DocumentActor::subscribe(SubscriberPtr subscriber, std::optional<std::uint64_t> from,
                              CreationCheck may_create) {
  subscribe(std::move(subscriber), from, std::move(may_create), false);
}

void DocumentActor::subscribe(SubscriberPtr subscriber, std::optional<std::uint64_t> from,
                              CreationCheck may_create, bool synced) {
  if (state_ != State::kReady) {
    return run_when_ready([this, subscriber = std::move(subscriber), from,
                           may_create = std::move(may_create)](bool loaded) mutable {
      if (loaded) return subscribe(std::move(subscriber), from, std::move(may_create));
      send_to(subscriber,
              {error_frame(proto::ErrorCode::kInternal, "the document could not be loaded", doc_)});
    });
  }
  last_activity_ = Clock::now();
  if (const auto wait = creation_wait(may_create); wait.count() > 0) {
    Frame refusal = error_frame(proto::ErrorCode::kTooManyNewDocs,
                                "this address created too many new documents; subscribe again "
                                "after retry_ms",
                                doc_, std::nullopt, wait);
    refusal.ends_subscription = true;
    if (subscribed(subscriber.get())) unsubscribe(subscriber);
    return send_to(subscriber, {std::move(refusal)});
  }
  // Subscribing again restarts the stream from the given version.
  if (subscribed(subscriber.get())) unsubscribe(subscriber);
  subscribers_.emplace(subscriber.get(), subscriber);

  if (!from) return send_snapshot_and_join(subscriber);
  if (*from > durable_version_ && services_.cluster && !synced) {
    // The client saw this version on another node: hear from the store before answering.
    subscribers_.erase(subscriber.get());
    known_head_ = std::max(known_head_, *from);
    after_sync_.push_back(
        [this, subscriber = std::move(subscriber), from, may_create = std::move(may_create)] {
          if (!subscriber->departed()) subscribe(subscriber, from, may_create, true);
        });
    return pump();
  }
  if (*from > durable_version_ && synced && last_sync_failed_) {
    // The store did not answer, which says nothing of that version: not version_ahead (the
    // client would drop what it has for a snapshot), but "try again".
    subscribers_.erase(subscriber.get());
    Frame refusal = error_frame(proto::ErrorCode::kInternal,
                                "the document could not be read; subscribe again after retry_ms",
                                doc_, std::nullopt, kStoreRetry);
    refusal.ends_subscription = true;
    return send_to(subscriber, {std::move(refusal)});
  }
  if (*from > durable_version_) {
    send_to(subscriber,
            {error_frame(proto::ErrorCode::kVersionAhead,
                         "the document is at version " + std::to_string(durable_version_) +
                             ", not " + std::to_string(*from) + "; resync from the snapshot",
                         doc_)});
    return send_snapshot_and_join(subscriber);
  }
  if (*from < oldest_retained_) {
    send_to(subscriber, {error_frame(proto::ErrorCode::kResyncRequired,
                                     "ops before version " + std::to_string(oldest_retained_) +
                                         " are no longer kept; resync from the snapshot",
                                     doc_)});
    return send_snapshot_and_join(subscriber);
  }
  catch_up_and_join(subscriber, *from);
}

void DocumentActor::send_snapshot_and_join(const SubscriberPtr& subscriber) {
  // Memory equals disk only between batches; a snapshot cut now could show unconfirmed ops.
  if (in_flight_ > 0 || !batch_.empty()) {
    deferred_snapshots_.push_back(subscriber);
    held_.try_emplace(subscriber.get());
    return;
  }
  post_frames(subscriber, {snapshot_frame(doc_, durable_version_, text_)});
  join(subscriber);
}

void DocumentActor::catch_up_and_join(const SubscriberPtr& subscriber, std::uint64_t from) {
  if (from >= history_.start()) {
    std::vector<Frame> frames;
    frames.reserve(durable_version_ - from);
    for (std::uint64_t v = from; v < durable_version_; ++v) {
      const AppliedOp& applied = history_.at(v);
      frames.push_back(op_frame(doc_, v, applied.op, applied.client, applied.seq));
    }
    post_frames(subscriber, std::move(frames));
    return join(subscriber);
  }
  // Older than the window: read the missing ops back from the store, then continue from there.
  // Frames for it meanwhile (the ack of a resent op, an error) wait until it has joined.
  held_.try_emplace(subscriber.get());
  const std::uint64_t until = history_.start();
  services_.store.read_ops(
      doc_, from, until,
      on_loop<std::vector<store::StoredOp>>([this, subscriber, from, until](
                                                store::Result<std::vector<store::StoredOp>> ops) {
        if (!subscribed(subscriber.get())) return;
        if (!ops.ok() || ops->size() != until - from) {
          post_frames(subscriber, {error_frame(proto::ErrorCode::kResyncRequired,
                                               "older ops are not available; resync from the "
                                               "snapshot",
                                               doc_)});
          return send_snapshot_and_join(subscriber);
        }
        std::vector<Frame> frames;
        for (const store::StoredOp& stored : ops.value()) {
          auto op = ot::decode_op(stored.op_json, services_.options.ot_limits);
          if (!op.ok()) return send_snapshot_and_join(subscriber);
          frames.push_back(op_frame(doc_, stored.version, op.value(), stored.client, stored.seq));
        }
        post_frames(subscriber, std::move(frames));
        // The window may have moved on meanwhile; the rest comes the same way.
        catch_up_and_join(subscriber, until);
      }));
}

void DocumentActor::join(const SubscriberPtr& subscriber) {
  // Who is here already, then live frames: the group add is posted after the catch-up.
  std::vector<Frame> frames;
  for (auto& [client, entry] : presence_.entries()) {
    if (entry.owner != subscriber) {
      frames.push_back(presence_frame(doc_, client, durable_version_, entry.state));
    }
  }
  if (auto held = held_.find(subscriber.get()); held != held_.end()) {
    for (Frame& frame : held->second) frames.push_back(std::move(frame));
    held_.erase(held);
  }
  if (!frames.empty()) post_frames(subscriber, std::move(frames));
  const std::size_t loop = subscriber->loop();
  group_for(loop);
  asio::post(*services_.loops[loop],
             [group = groups_[loop], subscriber] { group->add(subscriber); });
}

void DocumentActor::unsubscribe(const SubscriberPtr& subscriber) {
  if (state_ == State::kLoading) {
    return run_when_ready([this, subscriber](bool loaded) {
      if (loaded) unsubscribe(subscriber);
    });
  }
  last_activity_ = Clock::now();
  if (!drop_subscriber(subscriber)) return;
  if (presence_.remove(subscriber->client(), subscriber.get())) {
    broadcast_gone(subscriber->client(), subscriber.get());
  }
}

bool DocumentActor::drop_subscriber(const SubscriberPtr& subscriber) {
  auto found = subscribers_.find(subscriber.get());
  if (found == subscribers_.end()) return false;
  subscribers_.erase(found);
  std::erase(deferred_snapshots_, subscriber);
  held_.erase(subscriber.get());
  const std::size_t loop = subscriber->loop();
  if (groups_[loop]) {
    // Removing a subscriber that never joined is harmless.
    asio::post(*services_.loops[loop],
               [group = groups_[loop], raw = subscriber.get()] { group->remove(raw); });
  }
  return true;
}

// ---- Submits ------------------------------------------------------------------------------

void DocumentActor::submit(SubscriberPtr author, std::string client, std::uint64_t base,
                           std::uint64_t seq, ot::Op op, SubmitCallback on_result,
                           CreationCheck may_create) {
  last_activity_ = Clock::now();
  Submit submit{std::move(author),    std::move(client),    base, seq, std::move(op),
                std::move(on_result), std::move(may_create)};
  if (services_.draining) {
    return reject(submit, proto::ErrorCode::kOverloaded,
                  "the server is shutting down; resend the op after reconnecting",
                  std::chrono::milliseconds(1000));
  }
  if (submit_queue_.size() >= services_.options.max_queued_submits) {
    // Refused, not dropped: the client keeps the op and resends it with the same seq.
    return reject(submit, proto::ErrorCode::kOverloaded,
                  "the document has too many ops waiting; resend after retry_ms",
                  std::chrono::milliseconds(1000));
  }
  submit_queue_.push_back(std::move(submit));
  if (state_ == State::kFailed) load();
  if (state_ == State::kReady) pump();
}

void DocumentActor::pump() {
  if (state_ != State::kReady || in_flight_ > 0 || fetching_ || syncing_) return;
  // Left over by a fetch from the log (its op, or a duplicate found there): nothing else would
  // hand it to the store or settle it.
  if (!batch_.empty()) return flush_batch();
  if (services_.cluster) {
    // What other nodes committed goes first: submits transform over it from memory.
    apply_remote_ops();
    if (syncing_) return;
  }
  // One batch is at most half the window, so it can always be taken back out of the window and
  // re-applied after ops another node appended first.
  const std::size_t max_batch = std::max<std::size_t>(1, services_.options.history_window / 2);
  while (!submit_queue_.empty() && !fetching_ && staged_.size() < max_batch) {
    Submit& next = submit_queue_.front();
    // A store read (older ops, or what other nodes appended) needs nothing else in flight.
    const bool reads_older = next.base < history_.start() && next.base >= oldest_retained_;
    const bool reads_newer = services_.cluster && next.base > version_ && !next.synced;
    if ((reads_older || reads_newer) && !batch_.empty()) break;
    if (reads_newer) {
      // The client saw a version on another node that this one has not heard of yet.
      next.synced = true;
      known_head_ = std::max(known_head_, next.base);
      start_sync();
      return;
    }
    Submit submit = std::move(next);
    submit_queue_.pop_front();
    if (submit.author && submit.author->departed()) {
      // Nobody is left to hear the outcome; the client resends it (same seq) if it returns.
      if (submit.on_result) {
        submit.on_result(SubmitResult{SubmitResult::Status::kRejected,
                                      0,
                                      proto::ErrorCode::kOverloaded,
                                      "the connection left",
                                      {}});
      }
      continue;
    }
    process(std::move(submit));
  }
  if (fetching_) return;
  flush_batch();
}

void DocumentActor::flush_batch() {
  if (staged_.empty()) {
    // A batch of only duplicates or rejections settles at once.
    if (!batch_.empty()) finish_batch();
    return;
  }
  // What the store rebases over ops other nodes appended first: each op as of the batch's start
  // (none when one is missing: the store then refuses, and the submits are processed again).
  std::shared_ptr<std::vector<ot::Op>> at_head;
  if (services_.cluster) {
    at_head = std::make_shared<std::vector<ot::Op>>();
    for (BatchItem& item : batch_) {
      if (item.duplicate) continue;
      if (!item.at_head) {
        at_head.reset();
        break;
      }
      at_head->push_back(std::move(*item.at_head));  // needed only for this store call
    }
  }
  ++in_flight_;
  services_.store.append_batch(
      doc_, std::exchange(staged_, {}),
      // A store only this node writes never rebases: no closure to build per batch.
      services_.cluster ? make_rebase(services_.options.ot_limits, std::move(at_head))
                        : store::Rebase{},
      on_loop<store::AppendOutcome>([this](store::Result<store::AppendOutcome> outcome) {
        on_batch_appended(std::move(outcome));
      }));
}

void DocumentActor::reject(const Submit& submit, proto::ErrorCode code, std::string message,
                           std::optional<std::chrono::milliseconds> retry) {
  if (submit.author && !submit.author->departed()) {
    send_to(submit.author, {error_frame(code, message, doc_, submit.seq, retry)});
  }
  if (submit.on_result) {
    submit.on_result(
        SubmitResult{SubmitResult::Status::kRejected, 0, code, std::move(message), retry});
  }
}

std::chrono::milliseconds DocumentActor::creation_wait(const CreationCheck& may_create) {
  // A document with ops is in the store; one at version 0 has nothing stored yet.
  if (version_ > 0 || creation_allowed_ || !may_create) return std::chrono::milliseconds(0);
  const auto wait = may_create();
  if (wait.count() == 0) creation_allowed_ = true;
  return wait;
}

void DocumentActor::process(Submit submit) {
  if (services_.draining) {
    return reject(submit, proto::ErrorCode::kOverloaded,
                  "the server is shutting down; resend the op after reconnecting",
                  std::chrono::milliseconds(1000));
  }
  if (const auto wait = creation_wait(submit.may_create); wait.count() > 0) {
    return reject(submit, proto::ErrorCode::kTooManyNewDocs,
                  "this address created too many new documents; resend after retry_ms", wait);
  }
  if (submit.base > version_ && submit.synced && last_sync_failed_) {
    // As for a subscribe: the store did not answer, the op is resent later (same seq).
    return reject(submit, proto::ErrorCode::kInternal,
                  "the document could not be read; resend after retry_ms", kStoreRetry);
  }
  if (submit.base > version_) {
    return reject(submit, proto::ErrorCode::kVersionAhead,
                  "base version " + std::to_string(submit.base) + " is ahead of the document (" +
                      std::to_string(durable_version_) + ")");
  }
  // An op is applied at or after its base version, so when the base is inside the window any
  // earlier application of (client, seq) is in the window's index too.
  if (submit.base >= history_.start()) {
    if (auto original = history_.find(submit.client, submit.seq)) {
      batch_.push_back(BatchItem{true,
                                 false,
                                 *original,
                                 std::move(submit.author),
                                 std::move(submit.client),
                                 submit.seq,
                                 {},
                                 std::move(submit.on_result),
                                 submit.base,
                                 std::move(submit.op),
                                 submit.attempts,
                                 {},
                                 {}});
      return;
    }
    ot::Op transformed = submit.op;
    std::optional<ot::Op> at_head;
    for (std::uint64_t v = submit.base; v < version_; ++v) {
      // Its form before this batch's earlier ops: what the store rebases (cluster).
      if (v == durable_version_ && services_.cluster) at_head = transformed;
      transformed = ot::transform(transformed, history_.at(v).op, ot::Side::kLeft);
    }
    if (version_ == durable_version_ && services_.cluster) at_head = transformed;
    return apply_and_append(std::move(submit), std::move(transformed), std::move(at_head));
  }
  if (submit.base < oldest_retained_) {
    return reject(submit, proto::ErrorCode::kResyncRequired,
                  "base version " + std::to_string(submit.base) +
                      " is older than the kept history; resubscribe and re-apply");
  }
  // The base is older than the window: fetch the ops in between before going on; later
  // submits wait their turn.
  fetching_ = true;
  const std::uint64_t from = submit.base;
  const std::uint64_t until = history_.start();
  auto shared = std::make_shared<Submit>(std::move(submit));
  services_.store.read_ops(
      doc_, from, until,
      on_loop<std::vector<store::StoredOp>>(
          [this, shared](store::Result<std::vector<store::StoredOp>> older) mutable {
            fetching_ = false;
            if (services_.draining) {
              reject(*shared, proto::ErrorCode::kOverloaded,
                     "the server is shutting down; resend the op after reconnecting",
                     std::chrono::milliseconds(1000));
            } else if (!older.ok()) {
              reject(*shared, proto::ErrorCode::kInternal, "the op log could not be read");
            } else {
              process_with_older_ops(std::move(*shared), std::move(older.value()));
            }
            pump();
          }));
}

void DocumentActor::process_with_older_ops(Submit submit, std::vector<store::StoredOp> older) {
  // Exactly-once: an op is applied at or after its base, so an earlier application of this
  // (client, seq) is among the ops read from the base on, or in the window after them.
  std::optional<std::uint64_t> original;
  for (const store::StoredOp& stored : older) {
    if (stored.seq == submit.seq && stored.client == submit.client) original = stored.version;
  }
  if (!original) original = history_.find(submit.client, submit.seq);
  if (original) {
    batch_.push_back(BatchItem{true,
                               false,
                               *original,
                               std::move(submit.author),
                               std::move(submit.client),
                               submit.seq,
                               {},
                               std::move(submit.on_result),
                               submit.base,
                               std::move(submit.op),
                               submit.attempts,
                               {},
                               {}});
    return;
  }
  // The window may have moved while the store was read: older + window must be contiguous.
  if (older.empty() || older.front().version != submit.base ||
      older.back().version + 1 < history_.start()) {
    return reject(submit, proto::ErrorCode::kResyncRequired,
                  "the history between base and now is not kept");
  }
  ot::Op transformed = submit.op;
  std::uint64_t next = submit.base;
  std::vector<AppliedOp> read_back;  // kept in front of the window for the next late submits
  read_back.reserve(older.size());
  for (store::StoredOp& stored : older) {
    if (stored.version < next || stored.version >= history_.start()) continue;
    auto op = ot::decode_op(stored.op_json, services_.options.ot_limits);
    if (!op.ok()) return reject(submit, proto::ErrorCode::kInternal, "a stored op is unreadable");
    transformed = ot::transform(transformed, op.value(), ot::Side::kLeft);
    next = stored.version + 1;
    read_back.push_back(
        AppliedOp{stored.version, std::move(stored.client), stored.seq, std::move(op.value())});
  }
  for (std::uint64_t v = std::max(next, history_.start()); v < version_; ++v) {
    transformed = ot::transform(transformed, history_.at(v).op, ot::Side::kLeft);
  }
  // Clients this far behind usually come in numbers (a burst outran the window): without this,
  // each of them would wait for its own read of the log, and the lag would only grow.
  history_.prepend(std::move(read_back));
  // A read of older ops starts only with no batch in flight: memory is at the batch's start.
  std::optional<ot::Op> at_head;
  if (services_.cluster && version_ == durable_version_) at_head = transformed;
  apply_and_append(std::move(submit), std::move(transformed), std::move(at_head));
}

void DocumentActor::apply_and_append(Submit submit, ot::Op transformed,
                                     std::optional<ot::Op> at_head) {
  // Cluster: what takes the op back out, should the log put other nodes' ops before it.
  ot::Op undo;
  if (services_.cluster) undo = ot::invert(transformed, text_);
  if (auto applied = ot::apply(text_, transformed, services_.options.ot_limits); !applied.ok()) {
    const auto& error = applied.error();
    return reject(submit, proto::from_ot(error.code), error.message);
  }
  const std::uint64_t version = version_++;
  store::StoredOp stored{version, submit.client, submit.seq, ot::encode_op(transformed),
                         wall_clock_ms()};
  history_.push(AppliedOp{version, submit.client, submit.seq, transformed});
  batch_.push_back(BatchItem{false, false, version, std::move(submit.author),
                             std::move(submit.client), submit.seq, std::move(transformed),
                             std::move(submit.on_result), submit.base, std::move(submit.op),
                             submit.attempts, std::move(at_head), std::move(undo)});
  staged_.push_back(std::move(stored));
}

void DocumentActor::on_batch_appended(store::Result<store::AppendOutcome> outcome) {
  --in_flight_;
  if (!outcome.ok()) {
    spdlog::error("document {}: a batch of {} op(s) was not stored: {}", doc_,
                  std::count_if(batch_.begin(), batch_.end(),
                                [](const BatchItem& item) { return !item.duplicate; }),
                  outcome.error().message);
    batch_failed_ = true;
    batch_conflict_ = outcome.error().code == store::ErrorCode::kConflict;
  } else if (!outcome->foreign.empty() && !apply_foreign_before_batch(outcome.value())) {
    batch_failed_ = true;
  } else {
    for (BatchItem& item : batch_) item.durable = !item.duplicate;
    if (!outcome->appended.empty()) publish(BusOps{std::move(outcome->appended)});
  }
  finish_batch();
}

bool DocumentActor::apply_foreign_before_batch(const store::AppendOutcome& outcome) {
  // Memory holds the batch at versions first..; the log has the foreign ops there and the
  // batch, rebased, after them. Make memory the log: take the batch back out (its undo ops,
  // newest first), then apply the foreign ops and the batch as stored.
  const std::uint64_t first = outcome.foreign.front().version;
  std::vector<BatchItem*> mine;
  for (BatchItem& item : batch_) {
    if (!item.duplicate) mine.push_back(&item);
  }
  const std::uint64_t after_foreign = first + outcome.foreign.size();
  if (mine.empty() || mine.front()->version != first || version_ != first + mine.size() ||
      outcome.appended.size() != mine.size() || outcome.appended.front().version != after_foreign ||
      !history_.holds(first)) {
    spdlog::warn("document {}: cannot rebuild a batch rebased over {} op(s); reloading", doc_,
                 outcome.foreign.size());
    return false;
  }
  // A failure from here on leaves text_ half-updated; the caller reloads from the store.
  const ot::Limits& limits = services_.options.ot_limits;
  for (auto item = mine.rbegin(); item != mine.rend(); ++item) {
    if (!ot::apply(text_, (*item)->undo, limits).ok()) return false;
  }
  history_.truncate(first);
  std::uint64_t version = first;
  for (const store::StoredOp& stored : outcome.foreign) {
    auto op = ot::decode_op(stored.op_json, limits);
    if (!op.ok() || !ot::apply(text_, op.value(), limits).ok()) return false;
    broadcast(op_frame(doc_, version, op.value(), stored.client, stored.seq), nullptr, nullptr);
    presence_.transform(op.value());
    history_.push(AppliedOp{version, stored.client, stored.seq, std::move(op.value())});
    ++version;
  }
  durable_version_ = after_foreign;
  for (std::size_t i = 0; i < mine.size(); ++i, ++version) {
    auto op = ot::decode_op(outcome.appended[i].op_json, limits);
    if (!op.ok() || !ot::apply(text_, op.value(), limits).ok()) return false;
    mine[i]->version = version;
    mine[i]->op = std::move(op.value());
    history_.push(AppliedOp{version, mine[i]->client, mine[i]->seq, mine[i]->op});
  }
  version_ = version;
  return true;
}

void DocumentActor::finish_batch() {
  auto batch = std::exchange(batch_, {});
  bool failed = std::exchange(batch_failed_, false);

  // Nothing was acknowledged: the client keeps the op and resends it (same seq).
  auto not_stored = [this](BatchItem& item) {
    if (item.author) {
      send_to(item.author,
              {error_frame(proto::ErrorCode::kInternal, "the op could not be stored; resend it",
                           doc_, item.seq, kStoreRetry)});
    }
    if (item.on_result) {
      item.on_result(SubmitResult{SubmitResult::Status::kRejected, 0, proto::ErrorCode::kInternal,
                                  "the op could not be stored; resend it", kStoreRetry});
    }
  };
  const bool conflict = std::exchange(batch_conflict_, false);
  // A batch refused with kConflict is processed again from the submits, after the reload: what
  // another node appended first is then in memory (and a duplicate is found there). Bounded, in
  // case the store keeps refusing.
  constexpr int kMaxConflictRetries = 3;
  std::vector<Submit> retry;
  auto retry_or_refuse = [&](BatchItem& item) {
    if (!conflict || item.attempts >= kMaxConflictRetries) return not_stored(item);
    // Copies: a later duplicate of this item still looks it up by (client, seq).
    retry.push_back(Submit{item.author,
                           item.client,
                           item.base,
                           item.seq,
                           std::move(item.submitted),
                           std::move(item.on_result),
                           {},
                           false,
                           item.attempts + 1});
  };
  for (BatchItem& item : batch) {
    if (item.duplicate) {
      // Confirmed long ago, or earlier in this batch: then it shares its original's fate and
      // final version (a rebase may have moved it; a failure stored nothing).
      const BatchItem* original = nullptr;
      for (const BatchItem& other : batch) {
        if (&other == &item) break;
        if (!other.duplicate && other.seq == item.seq && other.client == item.client) {
          original = &other;
        }
      }
      if (original != nullptr) {
        if (failed || !original->durable) {
          retry_or_refuse(item);
          continue;
        }
        item.version = original->version;
      }
      // The original ack, never a second apply.
      if (item.author) send_to(item.author, {ack_frame(doc_, item.version, item.seq)});
      if (item.on_result) {
        item.on_result(SubmitResult{SubmitResult::Status::kDuplicate, item.version, {}, {}});
      }
      continue;
    }
    if (!item.durable || failed) {
      // Ops after a failed one are refused by the store too (no gaps); none was broadcast.
      failed = true;
      retry_or_refuse(item);
      continue;
    }
    const Frame ack = ack_frame(doc_, item.version, item.seq);
    const bool author_listens = item.author && subscribed(item.author.get());
    if (subscribers_.size() > (author_listens ? 1U : 0U)) {
      broadcast(op_frame(doc_, item.version, item.op, item.client, item.seq), item.author,
                author_listens ? &ack : nullptr);
    } else if (item.author) {
      // Nobody else listens (one person editing alone): no op frame to encode.
      send_to(item.author, {ack});
    }
    presence_.transform(item.op);
    durable_version_ = item.version + 1;
    if (item.on_result) {
      item.on_result(SubmitResult{SubmitResult::Status::kApplied, item.version, {}, {}});
    }
  }
  if (failed) {
    // Memory is ahead of the log: start over from what the store has (unless it is closing).
    // Deferred snapshots and reads are served once it has loaded.
    if (!retry.empty()) {
      submit_queue_.insert(submit_queue_.begin(), std::make_move_iterator(retry.begin()),
                           std::make_move_iterator(retry.end()));
    }
    if (services_.draining) {
      state_ = State::kFailed;
      return;
    }
    return load();
  }
  for (const SubscriberPtr& subscriber : std::exchange(deferred_snapshots_, {})) {
    if (subscribed(subscriber.get())) send_snapshot_and_join(subscriber);
  }
  for (auto& done : std::exchange(deferred_reads_, {})) {
    done(DocumentRead{true, durable_version_, text_.to_string()});
  }
  maybe_snapshot();
  pump();
}

void DocumentActor::maybe_snapshot() {
  // At shutdown the store may close any moment; the next load replays the ops instead.
  if (services_.draining) return;
  if (durable_version_ - last_snapshot_version_ < services_.options.snapshot_every) return;
  last_snapshot_version_ = durable_version_;
  std::optional<std::uint64_t> keep_from;
  if (services_.options.retain_ops && durable_version_ > *services_.options.retain_ops) {
    keep_from = durable_version_ - *services_.options.retain_ops;
  }
  services_.store.save_snapshot(
      doc_, store::Snapshot{durable_version_, text_.to_string()}, keep_from,
      on_loop<void>([this, keep_from](const store::Result<void>& result) {
        if (!result.ok()) {
          spdlog::warn("document {}: snapshot failed: {}", doc_, result.error().message);
        } else if (keep_from) {
          oldest_retained_ = std::max(oldest_retained_, *keep_from);
        }
      }));
}

void DocumentActor::read(std::function<void(DocumentRead)> done) {
  if (state_ != State::kReady) {
    return run_when_ready([this, done = std::move(done)](bool loaded) mutable {
      if (loaded) return read(std::move(done));
      done(DocumentRead{});
    });
  }
  if (services_.cluster) {
    // Memory may lag what other nodes committed: read the store's head first.
    sync_wanted_ = true;
    after_sync_.push_back([this, done = std::move(done)] {
      if (state_ != State::kReady) return done(DocumentRead{});
      done(DocumentRead{true, durable_version_, text_.to_string()});
    });
    return pump();
  }
  if (in_flight_ > 0 || !batch_.empty()) {
    deferred_reads_.push_back(std::move(done));
    return;
  }
  done(DocumentRead{true, durable_version_, text_.to_string()});
}

// ---- Cluster ------------------------------------------------------------------------------

void DocumentActor::on_bus_message(std::string_view payload) {
  auto message = decode_bus_message(payload, services_.options.ot_limits.max_json_bytes + 4096);
  if (!message.ok()) {
    spdlog::warn("document {}: ignored a bus message: {}", doc_, message.error().message);
    return;
  }
  if (auto* ops = std::get_if<BusOps>(&message.value())) {
    // Far more than a window behind: reading the store once is cheaper than holding them.
    if (remote_ops_.size() > 4 * services_.options.history_window) remote_ops_.clear();
    known_head_ = std::max(known_head_, ops->ops.back().version + 1);
    for (store::StoredOp& op : ops->ops) {
      if (op.version >= version_) remote_ops_[op.version] = std::move(op);
    }
    return pump();
  }
  if (const auto* head = std::get_if<BusHead>(&message.value())) {
    known_head_ = std::max(known_head_, head->head);
    return pump();
  }
  if (auto* presence = std::get_if<BusPresence>(&message.value())) {
    return on_remote_presence(std::move(*presence));
  }
  const auto& gone = std::get<BusGone>(message.value());
  early_presence_.erase(gone.client);
  if (presence_.remove(gone.client, nullptr)) broadcast_gone(gone.client, nullptr);
}

void DocumentActor::catch_up_to(std::uint64_t head) {
  known_head_ = std::max(known_head_, head);
  if (state_ == State::kFailed) return load();
  if (head > durable_version_) pump();
}

void DocumentActor::apply_remote_ops() {
  apply_contiguous_remote_ops();
  if (state_ != State::kReady) return;
  if (!remote_ops_.empty() || known_head_ > version_ || sync_wanted_) return start_sync();
  for (auto& call : std::exchange(after_sync_, {})) call();
  for (auto& [client, presence] : std::exchange(early_presence_, {})) {
    on_remote_presence(std::move(presence));
  }
}

void DocumentActor::apply_contiguous_remote_ops() {
  remote_ops_.erase(remote_ops_.begin(), remote_ops_.lower_bound(version_));
  while (state_ == State::kReady && !remote_ops_.empty() &&
         remote_ops_.begin()->first == version_) {
    apply_remote_op(std::move(remote_ops_.extract(remote_ops_.begin()).mapped()));
  }
}

void DocumentActor::apply_remote_op(store::StoredOp stored) {
  auto op = ot::decode_op(stored.op_json, services_.options.ot_limits);
  if (op.ok()) {
    if (auto applied = ot::apply(text_, op.value(), services_.options.ot_limits); !applied.ok()) {
      op = applied.error();
    }
  }
  if (!op.ok()) {
    // The log is the truth and memory disagrees with it: start over from the store.
    spdlog::error("document {}: op {} from another node does not apply ({}); reloading", doc_,
                  stored.version, op.error().message);
    remote_ops_.clear();
    return load();
  }
  broadcast(op_frame(doc_, stored.version, op.value(), stored.client, stored.seq), nullptr,
            nullptr);
  presence_.transform(op.value());
  history_.push(
      AppliedOp{stored.version, std::move(stored.client), stored.seq, std::move(op.value())});
  version_ = stored.version + 1;
  durable_version_ = version_;
  last_activity_ = Clock::now();
}

void DocumentActor::start_sync() {
  if (syncing_) return;
  syncing_ = true;
  sync_wanted_ = false;
  services_.store.read_ops(doc_, version_, std::numeric_limits<std::uint64_t>::max(),
                           on_loop<std::vector<store::StoredOp>>(
                               [this](store::Result<std::vector<store::StoredOp>> read) {
                                 syncing_ = false;
                                 // Waiting calls stay for the next load, which ends in pump() and
                                 // so here or in apply_remote_ops().
                                 if (state_ != State::kReady) return;
                                 last_sync_failed_ = !read.ok();
                                 if (!read.ok()) {
                                   // Hints stay unapplied until the store answers again (a head
                                   // check, the next call).
                                   spdlog::warn("document {}: cannot read ops from the store: {}",
                                                doc_, read.error().message);
                                   remote_ops_.clear();
                                 } else {
                                   for (store::StoredOp& op : read.value())
                                     remote_ops_[op.version] = std::move(op);
                                   apply_contiguous_remote_ops();
                                   // What is left is past the store's head (published after the
                                   // read, or bogus): later messages and head checks bring it
                                   // again.
                                   remote_ops_.clear();
                                 }
                                 known_head_ = version_;
                                 for (auto& call : std::exchange(after_sync_, {})) call();
                                 if (state_ == State::kReady) pump();
                               }));
}

void DocumentActor::publish(const BusMessage& message) {
  if (!services_.publish) return;
  if (const auto* ops = std::get_if<BusOps>(&message)) {
    std::size_t bytes = 0;
    for (const store::StoredOp& op : ops->ops) bytes += op.op_json.size() + op.client.size();
    if (bytes > kMaxPublishedOpBytes) {
      return services_.bus.publish(doc_, encode_bus_message(BusHead{ops->ops.back().version + 1}));
    }
  }
  services_.bus.publish(doc_, encode_bus_message(message));
}

void DocumentActor::on_remote_presence(BusPresence presence) {
  if (state_ != State::kReady) return;
  if (presence.version > durable_version_) {
    // It refers to ops this node has not applied yet: shown once they are.
    known_head_ = std::max(known_head_, presence.version);
    early_presence_[presence.client] = std::move(presence);
    return pump();
  }
  const bool in_window = presence.version >= history_.start();
  const std::uint64_t length = in_window ? length_at(presence.version) : 0;
  std::vector<ot::Selection>& selections = presence.state.selections;
  if (!in_window) selections.clear();  // too old to move forward; better none than wrong
  for (ot::Selection& selection : selections) {
    selection.anchor = std::min(selection.anchor, length);
    selection.head = std::min(selection.head, length);
    for (std::uint64_t v = presence.version; v < durable_version_; ++v) {
      selection = ot::transform_selection(selection, history_.at(v).op);
    }
  }
  const auto now = Clock::now();
  PresenceTable::Entry& entry =
      presence_.update_remote(presence.client, std::move(presence.state), now);
  broadcast_presence(entry, presence.client, now);
}

void DocumentActor::publish_presence(PresenceTable::Entry& entry, const std::string& client,
                                     Clock::time_point now) {
  if (!services_.publish || !entry.owner) return;
  entry.last_published = now;
  publish(BusPresence{client, durable_version_, entry.state});
}

// ---- Presence -----------------------------------------------------------------------------

std::uint64_t DocumentActor::length_at(std::uint64_t version) const {
  std::uint64_t length = text_.length();
  // Walk back from the text in memory: each op changed the length by inserts - deletes.
  for (std::uint64_t v = version_; v > version; --v) {
    const ot::Op& op = history_.at(v - 1).op;
    length = length + ot::input_length(op) - ot::output_length(op);
  }
  return length;
}

void DocumentActor::update_presence(const SubscriberPtr& owner, std::uint64_t version,
                                    PresenceState state) {
  if (state_ != State::kReady || !subscribed(owner.get())) return;
  if (version > durable_version_) {
    // The client claims a version it cannot have seen: a bug, or a server restored from an
    // older backup. Saying so beats a cursor silently missing.
    return send_to(owner, {error_frame(proto::ErrorCode::kVersionAhead,
                                       "presence: v " + std::to_string(version) +
                                           " is ahead of the document (" +
                                           std::to_string(durable_version_) + ")",
                                       doc_)});
  }
  const auto now = Clock::now();
  last_activity_ = now;
  if (version < history_.start()) {
    state.selections.clear();  // too old to move forward; better no cursor than a wrong one
  } else {
    const std::uint64_t length = length_at(version);
    for (const ot::Selection& selection : state.selections) {
      if (selection.anchor > length || selection.head > length) {
        return send_to(owner, {error_frame(proto::ErrorCode::kBadMessage,
                                           "sel: [" + std::to_string(selection.anchor) + ", " +
                                               std::to_string(selection.head) +
                                               "] reaches past the end of the document (" +
                                               std::to_string(length) + " code points at v " +
                                               std::to_string(version) + ")",
                                           doc_)});
      }
    }
    for (std::uint64_t v = version; v < durable_version_; ++v) {
      for (ot::Selection& selection : state.selections) {
        selection = ot::transform_selection(selection, history_.at(v).op);
      }
    }
  }
  // Valid selections moved forward stay inside the document; this only guards the invariant.
  if (!state.selections.empty()) {
    const std::uint64_t length = length_at(durable_version_);
    for (ot::Selection& selection : state.selections) {
      selection.anchor = std::min(selection.anchor, length);
      selection.head = std::min(selection.head, length);
    }
  }
  PresenceTable::Entry& entry = presence_.update(owner, std::move(state), now);
  if (now - entry.last_broadcast >= services_.options.presence_interval) {
    broadcast_presence(entry, owner->client(), now);
  } else if (!presence_timer_armed_) {
    presence_timer_armed_ = true;
    presence_timer_.expires_at(entry.last_broadcast + services_.options.presence_interval);
    presence_timer_.async_wait([this](const boost::system::error_code& ec) {
      // Aborted only by the actor's destruction (a table stopped at shutdown): `this` is gone.
      if (ec) return;
      presence_timer_armed_ = false;
      flush_presence();
    });
  }
}

void DocumentActor::broadcast_presence(PresenceTable::Entry& entry, const std::string& client,
                                       Clock::time_point now) {
  entry.pending = false;
  entry.last_broadcast = now;
  broadcast_except(presence_frame(doc_, client, durable_version_, entry.state), entry.owner.get());
  publish_presence(entry, client, now);
}

void DocumentActor::flush_presence() {
  const auto now = Clock::now();
  for (auto& [client, entry] : presence_.entries()) {
    if (entry.pending) broadcast_presence(entry, client, now);
  }
}

void DocumentActor::broadcast_gone(const std::string& client, const Subscriber* owner) {
  broadcast_except(presence_gone_frame(doc_, client), owner);
  // Other nodes hear only of their own clients' departures from this node.
  if (owner != nullptr) publish(BusGone{client});
}

bool DocumentActor::sweep(Clock::time_point now) {
  std::vector<std::pair<std::string, const Subscriber*>> quiet;
  for (auto& [client, entry] : presence_.entries()) {
    // A remote entry lasts while its node repeats it; a local one while its client speaks.
    const auto ttl =
        entry.owner ? services_.options.presence_ttl : services_.options.presence_node_ttl;
    if (now - entry.last_seen >= ttl) {
      quiet.emplace_back(client, entry.owner.get());
    } else if (entry.owner &&
               now - entry.last_published >= services_.options.presence_node_ttl / 3) {
      publish_presence(entry, client, now);
    }
  }
  for (const auto& [client, owner] : quiet) {
    presence_.remove(client, owner);
    broadcast_gone(client, owner);
  }
  const bool settled = submit_queue_.empty() && batch_.empty() && in_flight_ == 0 && !fetching_ &&
                       !syncing_ && after_sync_.empty();
  const auto quiet_for = now - last_activity_;
  // A document the store does not have (version 0) costs memory only: a flood of reads or
  // refused subscriptions of new ids must not pile up for idle_unload.
  const bool unload_now = version_ == 0;
  // A quiet document keeps only its text: late submits and catch-ups read the log instead.
  if (settled && state_ == State::kReady && quiet_for >= services_.options.history_release_after) {
    history_.release();
  }
  return settled && subscribers_.empty() && waiting_.empty() && store_calls_ == 0 &&
         !presence_timer_armed_ && state_ != State::kLoading &&
         (unload_now || quiet_for >= services_.options.idle_unload);
}

void DocumentActor::drain() {
  for (Submit& submit : std::exchange(submit_queue_, {})) {
    reject(submit, proto::ErrorCode::kOverloaded,
           "the server is shutting down; resend the op after reconnecting",
           std::chrono::milliseconds(1000));
  }
}

bool DocumentActor::settled() const {
  return submit_queue_.empty() && batch_.empty() && in_flight_ == 0 && !fetching_ && !syncing_ &&
         store_calls_ == 0;
}

// ---- Delivery -----------------------------------------------------------------------------

FanoutGroup& DocumentActor::group_for(std::size_t loop) {
  if (!groups_[loop]) groups_[loop] = std::make_shared<FanoutGroup>(doc_);
  return *groups_[loop];
}

void DocumentActor::send_to(const SubscriberPtr& subscriber, std::vector<Frame> frames) {
  if (auto held = held_.find(subscriber.get()); held != held_.end()) {
    // Its stream has not started yet (a snapshot or catch-up is on its way): after it.
    for (Frame& frame : frames) held->second.push_back(std::move(frame));
    return;
  }
  post_frames(subscriber, std::move(frames));
}

void DocumentActor::post_frames(const SubscriberPtr& subscriber, std::vector<Frame> frames) {
  if (frames.empty()) return;
  asio::post(*services_.loops[subscriber->loop()],
             [subscriber, doc = doc_, frames = std::move(frames)] {
               for (const Frame& frame : frames) subscriber->deliver(doc, frame);
             });
}

void DocumentActor::broadcast(const Frame& frame, const SubscriberPtr& author,
                              const Frame* author_frame) {
  for (std::size_t loop = 0; loop < groups_.size(); ++loop) {
    if (!groups_[loop]) continue;
    std::optional<Frame> ack;
    if (author_frame != nullptr) ack = *author_frame;
    asio::post(*services_.loops[loop], [group = groups_[loop], frame, author, ack] {
      group->deliver(frame, author.get(), ack ? &*ack : nullptr);
    });
  }
}

void DocumentActor::broadcast_except(const Frame& frame, const Subscriber* skip) {
  for (std::size_t loop = 0; loop < groups_.size(); ++loop) {
    if (!groups_[loop]) continue;
    asio::post(*services_.loops[loop],
               [group = groups_[loop], frame, skip] { group->deliver_except(frame, skip); });
  }
}

}  // namespace tandem::collab
