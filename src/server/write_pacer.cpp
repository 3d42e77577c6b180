#include "server/write_pacer.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <utility>

namespace tandem::server {

namespace asio = boost::asio;

namespace {

// Fan-out writes may take up to 1 / kDutyFactor of a busy loop.
constexpr int kDutyFactor = 4;
// Writers flushed before the loop gets a turn for other work.
constexpr std::size_t kSliceWriters = 64;

}  // namespace

WritePacer::WritePacer(asio::io_context& loop, std::chrono::microseconds max_interval)
    : loop_(loop), max_interval_(max_interval), timer_(loop) {}

WritePacer::~WritePacer() { timer_.cancel(); }

void WritePacer::request(std::shared_ptr<PacedWriter> writer) {
  waiting_.push_back(std::move(writer));
  // A tick still writing its slices arms the next one when it is done.
  if (armed_ || slicing_) return;
  arm();
}

void WritePacer::arm() {
  armed_ = true;
  const auto due = last_tick_ + gap_;
  if (std::chrono::steady_clock::now() >= due) {
    // Quiet loop: write at the end of this turn, so everything queued in it leaves together.
    asio::post(loop_, [this] { tick(); });
    return;
  }
  timer_.expires_at(due);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void WritePacer::tick() {
  armed_ = false;
  slicing_ = true;
  last_tick_ = std::chrono::steady_clock::now();
  ++ticks_;
  // A flush may queue more (a write completing at once); those wait for the next tick.
  running_.swap(waiting_);
  next_ = 0;
  tick_cost_ = {};
  write_slice();
}

void WritePacer::write_slice() {
  const auto started = std::chrono::steady_clock::now();
  const std::size_t end = std::min(running_.size(), next_ + kSliceWriters);
  for (; next_ < end; ++next_) running_[next_]->paced_flush();
  // Asio writes at once when the socket has room, so the time spent here is the write cost.
  tick_cost_ += std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  if (next_ < running_.size()) {
    // Let submits, acks and the document's own work in between thousands of writes.
    asio::post(loop_, [this] { write_slice(); });
    return;
  }
  running_.clear();
  slicing_ = false;
  gap_ = std::min(max_interval_, tick_cost_ * kDutyFactor);
  if (!waiting_.empty() && !armed_) arm();
}

WritePacers::WritePacers(const std::vector<asio::io_context*>& loops,
                         std::chrono::microseconds max_interval) {
  pacers_.reserve(loops.size());
  for (asio::io_context* loop : loops) {
    pacers_.push_back(std::make_unique<WritePacer>(*loop, max_interval));
  }
}

}  // namespace tandem::server
