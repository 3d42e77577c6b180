#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "bench/bench_options.hpp"

namespace tandem::app {

// `tandem bench SCENARIO --url ... `: the flags as typed, turned into BenchOptions on run.
struct BenchFlags {
  std::string scenario;
  std::string transport = "websocket";
  std::string target = "tandem";
  int server_pid = 0;
  bench::BenchOptions options;
};

void add_bench_command(CLI::App& app, BenchFlags& flags);
// Runs the benchmark; returns the process exit code (2 for bad options, 1 when the run saw
// errors, 0 otherwise).
int run_bench_command(BenchFlags& flags);

}  // namespace tandem::app
