#pragma once

#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "bench/client_plan.hpp"
#include "bench/loop_context.hpp"

namespace tandem::bench {

// One simulated client, whatever server it talks to and over which transport: follows its
// document's version from the stream, keeps at most one op in flight (DESIGN.md §3),
// recognises its confirmation, and records what it sees into its loop's statistics. A
// dialect (Tandem, ShareDB, Socket.IO) derives from it, reads its server's messages and
// reports them through snapshot_received / op_received; transports below a dialect only move
// bytes.
//
// Ops are typing: one character inserted at a random place. Every bench client writes that
// shape into fresh documents, so the length at version v is the snapshot's length plus the
// ops since, and a client needs no copy of the text to make a valid op.
class BenchClient : public std::enable_shared_from_this<BenchClient> {
 public:
  BenchClient(LoopContext& loop, ClientPlan plan);
  virtual ~BenchClient() = default;
  BenchClient(const BenchClient&) = delete;
  BenchClient& operator=(const BenchClient&) = delete;

  // Connects and subscribes; `on_ready` runs once the snapshot is in.
  void start(std::function<void()> on_ready = {});
  // Closes every connection; nothing is counted afterwards.
  void stop();
  // Writers: submit on their schedule until stop_writing().
  void start_writing();
  void stop_writing();

  bool ready() const { return ready_; }
  bool has_op_in_flight() const { return inflight_seq_ != 0; }
  const ClientPlan& plan() const { return plan_; }

 protected:
  // The op to send: insert `letter` at code point `position` of the text at `base_version`.
  struct TypingOp {
    std::uint64_t base_version = 0;
    std::uint64_t seq = 0;
    std::uint64_t position = 0;
    char letter = 'a';
  };

  virtual void open() = 0;
  virtual void close() = 0;
  virtual void send_op(const TypingOp& op) = 0;

  // The document as subscribed: its version and length in code points.
  void snapshot_received(std::uint64_t version, std::uint64_t length);
  // The op applied at `version` arrived: another client's op, or (`own`) this client's
  // confirmation, of the op with `seq` when the server says which.
  void op_received(std::uint64_t version, bool own, std::optional<std::uint64_t> seq,
                   std::int64_t now);
  // Servers that may send an op twice or out of order (ShareDB replays the ops a submit was
  // transformed over, and its subscription stream may lag its acks): duplicates are dropped
  // and early ops held until the gap fills, as their own client libraries do. Otherwise a gap
  // or a repeat is counted as an error.
  void tolerate_reordering() { reorders_ = true; }

  void count_frame();
  // A connection-level failure, counted under `code` unless the client was stopped.
  void fail(const std::string& code);
  // The server refused the op with `seq` (0: unknown), with `code`.
  void op_refused(std::uint64_t seq, const std::string& code);

  bool stopped() const { return stopped_; }
  LoopContext& loop() { return loop_; }
  // The server this client talks to: the run's --url number plan().server.
  ServerTarget& server() { return loop_.shared.servers[plan_.server]; }
  std::int64_t started_ns() const { return started_ns_; }
  bool has_version() const { return has_version_; }
  std::uint64_t version() const { return version_; }

 private:
  struct Early {
    bool own = false;
    std::optional<std::uint64_t> seq;
    std::int64_t arrived_ns = 0;
  };
  void apply(std::uint64_t version, bool own, std::optional<std::uint64_t> seq, std::int64_t now);
  void drain_early();
  void confirmed(std::uint64_t version, std::int64_t now);
  void schedule_next();
  void submit();
  std::uint64_t length_at(std::uint64_t version) const;

  LoopContext& loop_;
  ClientPlan plan_;
  boost::asio::steady_timer timer_;
  std::function<void()> on_ready_;
  std::int64_t started_ns_ = 0;
  bool ready_ = false;
  bool stopped_ = false;
  bool writing_ = false;
  bool due_ = false;  // the schedule asked for an op while one was in flight
  bool reorders_ = false;
  // Version the client has reached: the next op in the stream is applied at this version.
  std::uint64_t version_ = 0;
  bool has_version_ = false;
  std::uint64_t snapshot_version_ = 0;
  std::uint64_t snapshot_length_ = 0;
  std::uint64_t next_seq_ = 1;
  std::uint64_t inflight_seq_ = 0;  // 0: none
  std::int64_t inflight_sent_ns_ = 0;
  bool inflight_measured_ = false;
  std::map<std::uint64_t, Early> early_;  // reordering servers only: ops beyond version_
};

}  // namespace tandem::bench
