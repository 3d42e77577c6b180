#include "app/bench_command.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::app {
namespace {

// Parses `tandem ARGS...` with the bench subcommand only, as main() would.
BenchFlags parse(std::vector<std::string> args) {
  CLI::App app("tandem");
  BenchFlags flags;
  add_bench_command(app, flags);
  args.insert(args.begin(), "tandem");
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const auto& arg : args) argv.push_back(arg.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return flags;
}

TEST(BenchCommand, WithoutUrlTheDefaultServer) {
  const BenchFlags flags = parse({"bench", "authors"});
  EXPECT_EQ(flags.scenario, "authors");
  EXPECT_EQ(flags.options.urls, std::vector<std::string>{"http://127.0.0.1:8080"});
}

TEST(BenchCommand, OneUrlReplacesTheDefaultAndLeavesTheScenarioAlone) {
  const BenchFlags flags = parse({"bench", "--url", "http://127.0.0.1:7001", "authors"});
  EXPECT_EQ(flags.scenario, "authors");
  EXPECT_EQ(flags.options.urls, std::vector<std::string>{"http://127.0.0.1:7001"});
}

TEST(BenchCommand, UrlGivenSeveralTimesKeepsEveryNodeInOrder) {
  const BenchFlags flags =
      parse({"bench", "docs", "--url", "http://127.0.0.1:7001", "--url", "http://127.0.0.1:7002",
             "--clients", "6", "--url=http://127.0.0.1:7003"});
  EXPECT_EQ(flags.scenario, "docs");
  EXPECT_EQ(flags.options.clients, 6u);
  EXPECT_EQ(flags.options.urls,
            (std::vector<std::string>{"http://127.0.0.1:7001", "http://127.0.0.1:7002",
                                      "http://127.0.0.1:7003"}));
}

TEST(BenchCommand, OneUrlPerFlag) {
  // A second value after one --url is not a second URL: it is refused as an extra argument.
  EXPECT_THROW(
      parse({"bench", "--url", "http://127.0.0.1:7001", "http://127.0.0.1:7002", "authors"}),
      CLI::ParseError);
}

}  // namespace
}  // namespace tandem::app
