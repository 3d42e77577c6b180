#include "bench/process_stats.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

namespace tandem::bench {
namespace {

TEST(ProcessStats, ParsesStatWithAnAwkwardCommandName) {
  const std::string stat =
      "1234 (tan) dem (x)) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 75 0 0 20 0 3 0 100 1000 50";
  EXPECT_EQ(parse_stat_cpu_ticks(stat), 325u);
  EXPECT_FALSE(parse_stat_cpu_ticks("1234 tandem S 1").has_value());
  EXPECT_FALSE(parse_stat_cpu_ticks("1 (a) S 1 2 3").has_value());
  EXPECT_FALSE(parse_stat_cpu_ticks("1 (a) S 1 1 1 0 -1 0 0 0 0 0 x 75").has_value());
}

TEST(ProcessStats, ParsesStatusLines) {
  const std::string status = "Name:\ttandem\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n";
  EXPECT_EQ(parse_status_kib(status, "VmRSS"), 10240u * 1024);
  EXPECT_EQ(parse_status_kib(status, "VmHWM"), 20480u * 1024);
  EXPECT_FALSE(parse_status_kib(status, "VmSwap").has_value());
  EXPECT_FALSE(parse_status_kib("VmRSS:\t12 MB\n", "VmRSS").has_value());
  EXPECT_FALSE(parse_status_kib("VmRSSX:\t12 kB\n", "VmRSS").has_value());
}

TEST(ProcessStats, SamplesARealProcess) {
  const auto self = sample_process(getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_GT(self->rss_bytes, 0u);
  EXPECT_GE(self->peak_rss_bytes, self->rss_bytes);
  EXPECT_GT(sample_self().rss_bytes, 0u);
  EXPECT_FALSE(sample_process(-5).has_value());
}

}  // namespace
}  // namespace tandem::bench
