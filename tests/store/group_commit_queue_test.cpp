#include "store/group_commit_queue.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <thread>

namespace tandem::store {
namespace {

WriteRequest request_for(std::uint64_t version) {
  StoredOp op;
  op.version = version;
  return WriteRequest{"doc", op, [](const Result<void>&) {}, {}};
}

std::uint64_t version_of(const WriteRequest& request) {
  return std::get<StoredOp>(request.write).version;
}

TEST(GroupCommitQueueTest, TakesEverythingQueuedUpToTheBound) {
  GroupCommitQueue queue;
  for (std::uint64_t v = 0; v < 10; ++v) {
    WriteRequest request = request_for(v);
    ASSERT_TRUE(queue.push(request));
  }
  std::deque<WriteRequest> batch;
  ASSERT_TRUE(queue.take(batch, 4));
  ASSERT_EQ(batch.size(), 4u);
  EXPECT_EQ(version_of(batch.front()), 0u);
  EXPECT_EQ(version_of(batch.back()), 3u);
  batch.clear();
  ASSERT_TRUE(queue.take(batch, 100));
  ASSERT_EQ(batch.size(), 6u);
  EXPECT_EQ(version_of(batch.front()), 4u);
  EXPECT_EQ(version_of(batch.back()), 9u);
}

TEST(GroupCommitQueueTest, CloseRefusesPushesButDrainsTheRest) {
  GroupCommitQueue queue;
  WriteRequest queued = request_for(1);
  ASSERT_TRUE(queue.push(queued));
  queue.close();
  WriteRequest late = request_for(2);
  EXPECT_FALSE(queue.push(late));
  EXPECT_EQ(version_of(late), 2u);  // left to the caller, who completes it with kClosed
  ASSERT_TRUE(late.done);
  std::deque<WriteRequest> batch;
  ASSERT_TRUE(queue.take(batch, 8));
  EXPECT_EQ(batch.size(), 1u);
  batch.clear();
  EXPECT_FALSE(queue.take(batch, 8));
}

TEST(GroupCommitQueueTest, TakeWaitsForAPush) {
  GroupCommitQueue queue;
  std::deque<WriteRequest> batch;
  std::thread producer([&queue] {
    WriteRequest request = request_for(7);
    queue.push(request);
  });
  ASSERT_TRUE(queue.take(batch, 8));
  producer.join();
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(version_of(batch.front()), 7u);
}

}  // namespace
}  // namespace tandem::store
