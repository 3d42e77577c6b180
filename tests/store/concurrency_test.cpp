#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "store_targets.hpp"

namespace tandem::store {
namespace {

using test::load_sync;
using test::make_op;
using test::StoreKind;
using test::StoreTarget;

class StoreConcurrencyTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override { TANDEM_PREPARE_STORE(target_); }
  StoreTarget target_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Stores, StoreConcurrencyTest,
                         ::testing::Values(StoreKind::kSqlite, StoreKind::kPostgres),
                         test::store_kind_name);

constexpr int kProducers = 4;
constexpr int kDocsPerProducer = 25;
constexpr int kOpsPerDoc = 120;
constexpr int kTotalOps = kProducers * kDocsPerProducer * kOpsPerDoc;

std::string doc_name(int producer, int doc) {
  return "p" + std::to_string(producer) + "-d" + std::to_string(doc);
}

TEST_P(StoreConcurrencyTest, ManyProducersOnManyDocumentsWhileReading) {
  // Small batches so that the run spans many transactions.
  auto store = target_.open(256);
  ASSERT_NE(store, nullptr);

  std::vector<std::atomic<int>> calls(kTotalOps);
  std::atomic<int> failures{0};
  std::atomic<int> remaining{kTotalOps};
  std::promise<void> all_done;

  std::vector<std::thread> producers;
  producers.reserve(kProducers);
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      // Each document belongs to one producer, which issues its appends in version order.
      for (int v = 0; v < kOpsPerDoc; ++v) {
        for (int d = 0; d < kDocsPerProducer; ++d) {
          const int index = (p * kDocsPerProducer + d) * kOpsPerDoc + v;
          const std::string doc = doc_name(p, d);
          store->append(doc, make_op(doc, static_cast<std::uint64_t>(v)),
                        [&, index](const Result<void>& result) {
                          if (!result.ok()) ++failures;
                          ++calls[static_cast<std::size_t>(index)];
                          if (--remaining == 0) all_done.set_value();
                        });
        }
      }
    });
  }

  // Reads run alongside and must only ever see a contiguous prefix of each log.
  std::atomic<bool> stop_reading{false};
  std::atomic<int> bad_reads{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    int i = 0;
    while (!stop_reading) {
      const std::string doc = doc_name(i % kProducers, i % kDocsPerProducer);
      ++i;
      auto ops = test::read_ops_sync(*store, doc, 0, 1000);
      if (!ops.ok()) {
        ++bad_reads;
        continue;
      }
      for (std::size_t k = 0; k < ops->size(); ++k) {
        if ((*ops)[k] != make_op(doc, k)) ++bad_reads;
      }
      ++reads;
    }
  });

  for (auto& producer : producers) producer.join();
  all_done.get_future().wait();
  stop_reading = true;
  reader.join();
  store->close();  // drains everything: a late duplicate completion would show now

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(bad_reads.load(), 0);
  EXPECT_GT(reads.load(), 0);
  for (int i = 0; i < kTotalOps; ++i) {
    ASSERT_EQ(calls[static_cast<std::size_t>(i)].load(), 1) << "completion of op " << i;
  }
  const auto stats = StoreTarget::stats(*store);
  EXPECT_EQ(stats.writes_committed, static_cast<std::uint64_t>(kTotalOps));
  EXPECT_GE(stats.batches_committed, static_cast<std::uint64_t>(kTotalOps / 256));

  store = target_.open();
  ASSERT_NE(store, nullptr);
  for (int p = 0; p < kProducers; ++p) {
    for (int d = 0; d < kDocsPerProducer; ++d) {
      const std::string doc = doc_name(p, d);
      auto loaded = load_sync(*store, doc);
      ASSERT_TRUE(loaded.ok()) << loaded.error().message;
      ASSERT_EQ(loaded->ops.size(), static_cast<std::size_t>(kOpsPerDoc)) << doc;
      for (std::size_t v = 0; v < loaded->ops.size(); ++v) {
        ASSERT_EQ(loaded->ops[v], make_op(doc, v)) << doc;
      }
    }
  }
}

TEST_P(StoreConcurrencyTest, CompletionsMayIssueMoreWork) {
  auto store = target_.open();
  ASSERT_NE(store, nullptr);
  // An actor pipelines its next append from the previous completion, on the writer thread.
  std::promise<void> finished;
  std::function<void(std::uint64_t)> next = [&](std::uint64_t v) {
    if (v == 300) {
      store->load("chain", [&](Result<LoadedDocument> loaded) {
        EXPECT_TRUE(loaded.ok());
        if (loaded.ok()) {
          EXPECT_EQ(loaded->ops.size(), 300u);
        }
        finished.set_value();
      });
      return;
    }
    store->append("chain", make_op("chain", v), [&, v](const Result<void>& r) {
      EXPECT_TRUE(r.ok());
      next(v + 1);
    });
  };
  next(0);
  finished.get_future().wait();
}

}  // namespace
}  // namespace tandem::store
