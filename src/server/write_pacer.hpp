#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

namespace tandem::server {

// A connection whose fan-out writes may wait for its loop's next pacing tick.
class PacedWriter {
 public:
  virtual ~PacedWriter() = default;
  // Writes whatever the connection has queued; runs on the writer's loop.
  virtual void paced_flush() = 0;
};

// Paces the fan-out writes of one loop. A socket write costs about ten times what queueing a
// message does, so under load a connection should write many ops at once rather than one write
// per op per subscriber. After a tick that took d, the next one comes no sooner than 4d after
// the start of this one (fan-out writes take at most about a quarter of the loop) and no later
// than `max_interval` after it: a quiet loop writes at the end of the current turn, as without
// pacing, and a busy one gathers more per write, adding at most `max_interval` of latency.
// Acks, snapshots, errors and pongs never wait: their connections flush at once (and take the
// queued fan-out along).
class WritePacer {
 public:
  WritePacer(boost::asio::io_context& loop, std::chrono::microseconds max_interval);
  ~WritePacer();

  WritePacer(const WritePacer&) = delete;
  WritePacer& operator=(const WritePacer&) = delete;

  // On the pacer's loop: `writer` gets paced_flush() at the next tick. The writer keeps its own
  // "already asked" flag, so each asks at most once per tick.
  void request(std::shared_ptr<PacedWriter> writer);

  // The gap the pacer keeps after the last tick (for tests).
  std::chrono::microseconds gap() const { return gap_; }
  // Ticks so far that had at least one writer (for tests and metrics).
  std::size_t ticks() const { return ticks_; }

 private:
  void arm();
  void tick();
  void write_slice();

  boost::asio::io_context& loop_;
  std::chrono::microseconds max_interval_;
  std::chrono::microseconds gap_{0};
  boost::asio::steady_timer timer_;
  std::vector<std::shared_ptr<PacedWriter>> waiting_;
  std::vector<std::shared_ptr<PacedWriter>> running_;
  std::size_t next_ = 0;  // the next writer of running_ to flush
  std::chrono::microseconds tick_cost_{0};
  bool slicing_ = false;
  std::chrono::steady_clock::time_point last_tick_{};
  bool armed_ = false;
  std::size_t ticks_ = 0;
};

// One pacer per event loop, indexed like the loops.
class WritePacers {
 public:
  WritePacers(const std::vector<boost::asio::io_context*>& loops,
              std::chrono::microseconds max_interval);

  WritePacer& on_loop(std::size_t loop) { return *pacers_[loop]; }

 private:
  std::vector<std::unique_ptr<WritePacer>> pacers_;
};

}  // namespace tandem::server
