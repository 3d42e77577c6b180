#include "bench/bench_report.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace tandem::bench {
namespace {

BenchReport sample_report() {
  BenchReport r;
  r.options.scenario = Scenario::kAuthors;
  r.options.clients = 100;
  r.options.rate = 2;
  r.total_clients = 100;
  r.writers = 100;
  r.window_seconds = 10;
  r.ready = 100;
  r.submitted = 2000;
  r.confirmed = 2000;
  r.deliveries = 200000;
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v * 1000);
  r.confirm = LatencySummary::of(h);
  r.errors["version_gap"] = 2;
  ServerFigures s;
  s.cpu_seconds = 4;
  s.cpu_cores = 0.4;
  s.rss_before = 10 << 20;
  s.rss_loaded = (10 << 20) + 100 * 8000;
  r.server = s;
  return r;
}

TEST(BenchReport, LatencySummaryTakesPercentiles) {
  const auto s = sample_report().confirm;
  EXPECT_EQ(s.count, 100u);
  EXPECT_NEAR(static_cast<double>(s.p50), 50000, 800);
  EXPECT_NEAR(static_cast<double>(s.p95), 95000, 1500);
  EXPECT_NEAR(static_cast<double>(s.p99), 99000, 1600);
  EXPECT_EQ(s.max, 100000u);
}

TEST(BenchReport, JsonCarriesRatesLatenciesErrorsAndServerFigures) {
  const auto json = to_json(sample_report());
  EXPECT_EQ(json.at("options").at("scenario").as_string(), "authors");
  EXPECT_EQ(json.at("options").at("url").as_string(), "http://127.0.0.1:8080");
  EXPECT_EQ(json.at("options").at("urls"), boost::json::array{"http://127.0.0.1:8080"});
  EXPECT_DOUBLE_EQ(json.at("deliveries_per_s").to_number<double>(), 20000.0);
  EXPECT_DOUBLE_EQ(json.at("ops").at("confirmed_per_s").to_number<double>(), 200.0);
  EXPECT_EQ(json.at("latency").at("submit_to_confirm").at("count").to_number<std::uint64_t>(),
            100u);
  EXPECT_EQ(json.at("errors").at("version_gap").to_number<std::uint64_t>(), 2u);
  EXPECT_EQ(json.at("error_count").to_number<std::uint64_t>(), 2u);
  const auto& server = json.at("server");
  EXPECT_DOUBLE_EQ(server.at("rss_per_client_bytes").to_number<double>(), 8000.0);
  EXPECT_DOUBLE_EQ(server.at("cpu_us_per_delivery").to_number<double>(), 20.0);
  // What is written parses back.
  EXPECT_EQ(boost::json::parse(boost::json::serialize(json)).as_object(), json);
}

TEST(BenchReport, TextNamesEveryFigure) {
  const std::string text = to_text(sample_report());
  for (const char* needle :
       {"authors against tandem over websocket", "submit -> confirmed", "p95", "errors: 2",
        "version_gap=2", "8000 B per client", "server CPU per delivery"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  }
}

TEST(BenchReport, SeveralUrlsAreAllNamed) {
  auto r = sample_report();
  EXPECT_EQ(to_text(r).find("servers:"), std::string::npos);  // one server: as before
  r.options.urls = {"http://127.0.0.1:7001", "http://127.0.0.1:7002"};
  const auto json = to_json(r);
  EXPECT_EQ(json.at("options").at("url").as_string(), "http://127.0.0.1:7001");
  EXPECT_EQ(json.at("options").at("urls"),
            (boost::json::array{"http://127.0.0.1:7001", "http://127.0.0.1:7002"}));
  EXPECT_NE(to_text(r).find("servers: http://127.0.0.1:7001, http://127.0.0.1:7002 (client i "
                            "talks to server i % 2)"),
            std::string::npos)
      << to_text(r);
}

TEST(BenchReport, NoServerPidMeansNoServerSection) {
  auto r = sample_report();
  r.server.reset();
  EXPECT_FALSE(to_json(r).contains("server"));
  EXPECT_EQ(to_text(r).find("server:"), std::string::npos);
}

TEST(BenchReport, ProgressLine) {
  Progress p;
  p.elapsed_seconds = 3;
  p.measuring = true;
  p.ready = 10;
  p.clients = 10;
  p.deliveries_per_second = 1234;
  const std::string line = progress_line(p);
  EXPECT_NE(line.find("ready 10/10"), std::string::npos) << line;
  EXPECT_NE(line.find("deliver 1234/s"), std::string::npos) << line;
}

}  // namespace
}  // namespace tandem::bench
