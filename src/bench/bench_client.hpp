#pragma once

#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "bench/client_plan.hpp"
#include "bench/frame_scanner.hpp"
#include "bench/loop_context.hpp"

namespace tandem::bench {

// One simulated client, whatever its transport: follows its document's version from the
// stream, keeps at most one op in flight (DESIGN.md §3), recognises its confirmation, and
// records what it sees into its loop's statistics. Transports (WebSocket, SSE, long-poll)
// derive from it and only move bytes.
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

  // Connects, says hello and subscribes; `on_ready` runs once the snapshot is in.
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
  virtual void open() = 0;
  virtual void close() = 0;
  // Sends one encoded client "op" message with this seq.
  virtual void send_op(std::string message, std::uint64_t seq) = 0;

  // A frame or message body from the downlink; `count` false when the transport counts its
  // downlink writes itself (SSE: socket reads, not events).
  void handle_frame(std::string_view frame, bool count = true);
  void count_frame();
  // A connection-level failure, counted under `code` unless the client was stopped.
  void fail(const std::string& code);
  // The HTTP uplink refused the op in flight (its answer carries the code).
  void op_refused(std::uint64_t seq, const std::string& code);
  // What the downlink URL subscribes to: DOC@V once the client has a version, else DOC.
  std::string subscription() const;

  bool stopped() const { return stopped_; }
  LoopContext& loop() { return loop_; }
  std::int64_t started_ns() const { return started_ns_; }

 private:
  void handle_message(const ScannedMessage& message, std::int64_t now);
  void handle_snapshot(const ScannedMessage& message);
  void handle_error(const ScannedMessage& message);
  void check_with_codec(const ScannedMessage& message);
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
  // Version the client has reached: the next op in the stream is applied at this version.
  std::uint64_t version_ = 0;
  bool has_version_ = false;
  std::uint64_t snapshot_version_ = 0;
  std::uint64_t snapshot_length_ = 0;
  std::uint64_t next_seq_ = 1;
  std::uint64_t inflight_seq_ = 0;  // 0: none
  std::int64_t inflight_sent_ns_ = 0;
  bool inflight_measured_ = false;
};

}  // namespace tandem::bench
