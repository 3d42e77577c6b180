#include "server/write_pacer.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace tandem::server {
namespace {

namespace asio = boost::asio;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Records when it was flushed; optionally spends time, as a real socket write does.
class RecordingWriter : public PacedWriter {
 public:
  explicit RecordingWriter(std::vector<int>* log = nullptr, int id = 0,
                           microseconds cost = microseconds{0})
      : log_(log), id_(id), cost_(cost) {}

  void paced_flush() override {
    flushed_at.push_back(Clock::now());
    if (log_ != nullptr) log_->push_back(id_);
    if (cost_.count() > 0) std::this_thread::sleep_for(cost_);
  }

  std::vector<Clock::time_point> flushed_at;

 private:
  std::vector<int>* log_;
  int id_;
  microseconds cost_;
};

// Runs the loop until `done` or the deadline.
void run_until(asio::io_context& loop, const std::function<bool()>& done,
               milliseconds deadline = milliseconds{2000}) {
  const auto until = Clock::now() + deadline;
  while (!done() && Clock::now() < until) {
    if (loop.stopped()) loop.restart();  // a loop out of work stops; the server's never do
    loop.run_one_for(milliseconds{5});
  }
}

TEST(WritePacerTest, QuietLoopFlushesAtTheEndOfTheTurn) {
  asio::io_context loop;
  WritePacer pacer(loop, milliseconds{20});
  auto writer = std::make_shared<RecordingWriter>();
  const auto asked = Clock::now();
  pacer.request(writer);
  EXPECT_TRUE(writer->flushed_at.empty());  // not inside request()
  loop.poll();
  ASSERT_EQ(writer->flushed_at.size(), 1U);
  EXPECT_LT(writer->flushed_at[0] - asked, milliseconds{5});
  EXPECT_EQ(pacer.ticks(), 1U);
}

TEST(WritePacerTest, WritersAskingInOneTurnShareOneTick) {
  asio::io_context loop;
  WritePacer pacer(loop, milliseconds{20});
  auto first = std::make_shared<RecordingWriter>();
  auto second = std::make_shared<RecordingWriter>();
  pacer.request(first);
  pacer.request(second);
  loop.poll();
  EXPECT_EQ(first->flushed_at.size(), 1U);
  EXPECT_EQ(second->flushed_at.size(), 1U);
  EXPECT_EQ(pacer.ticks(), 1U);
}

TEST(WritePacerTest, AfterACostlyTickTheNextWaitsFourTimesItsCost) {
  asio::io_context loop;
  WritePacer pacer(loop, milliseconds{200});
  auto costly = std::make_shared<RecordingWriter>(nullptr, 0, microseconds{10'000});
  pacer.request(costly);
  loop.poll();
  ASSERT_EQ(costly->flushed_at.size(), 1U);
  EXPECT_GE(pacer.gap(), microseconds{40'000});
  EXPECT_LE(pacer.gap(), microseconds{200'000});

  auto next = std::make_shared<RecordingWriter>();
  pacer.request(next);
  run_until(loop, [&] { return !next->flushed_at.empty(); });
  ASSERT_EQ(next->flushed_at.size(), 1U);
  // The gap counts from the start of the costly tick.
  EXPECT_GE(next->flushed_at[0] - costly->flushed_at[0], pacer.gap());
}

TEST(WritePacerTest, TheGapNeverExceedsTheMaximumInterval) {
  asio::io_context loop;
  WritePacer pacer(loop, milliseconds{5});
  auto costly = std::make_shared<RecordingWriter>(nullptr, 0, microseconds{20'000});
  pacer.request(costly);
  loop.poll();
  EXPECT_EQ(pacer.gap(), microseconds{5'000});
}

TEST(WritePacerTest, ZeroIntervalNeverDelays) {
  asio::io_context loop;
  WritePacer pacer(loop, microseconds{0});
  auto costly = std::make_shared<RecordingWriter>(nullptr, 0, microseconds{5'000});
  pacer.request(costly);
  loop.poll();
  auto next = std::make_shared<RecordingWriter>();
  pacer.request(next);
  loop.restart();
  loop.poll();
  EXPECT_EQ(next->flushed_at.size(), 1U);
}

TEST(WritePacerTest, ManyWritersAreFlushedInSlicesThatLetOtherWorkIn) {
  asio::io_context loop;
  WritePacer pacer(loop, milliseconds{20});
  std::vector<int> log;
  std::vector<std::shared_ptr<RecordingWriter>> writers;
  for (int i = 0; i < 300; ++i) {
    writers.push_back(std::make_shared<RecordingWriter>(&log, i));
    pacer.request(writers.back());
  }
  // Posted after the tick: it must run before the last writers are flushed.
  loop.poll_one();  // the tick's first slice
  asio::post(loop, [&log] { log.push_back(-1); });
  loop.poll();
  ASSERT_EQ(log.size(), 301U);
  const auto other = std::find(log.begin(), log.end(), -1);
  EXPECT_NE(other, log.end());
  EXPECT_NE(other, log.end() - 1);
  for (const auto& writer : writers) EXPECT_EQ(writer->flushed_at.size(), 1U);
}

TEST(WritePacerTest, RequestsDuringASlicedTickGoToTheNextOne) {
  asio::io_context loop;
  WritePacer pacer(loop, milliseconds{1});
  std::vector<std::shared_ptr<RecordingWriter>> writers;
  for (int i = 0; i < 100; ++i) {
    writers.push_back(std::make_shared<RecordingWriter>());
    pacer.request(writers.back());
  }
  loop.poll_one();  // first slice
  auto late = std::make_shared<RecordingWriter>();
  pacer.request(late);
  run_until(loop, [&] { return !late->flushed_at.empty(); });
  EXPECT_EQ(late->flushed_at.size(), 1U);
  EXPECT_EQ(pacer.ticks(), 2U);
}

}  // namespace
}  // namespace tandem::server
