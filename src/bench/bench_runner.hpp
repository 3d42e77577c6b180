#pragma once

#include <iosfwd>
#include <vector>

#include "bench/bench_options.hpp"
#include "bench/bench_report.hpp"
#include "bench/loopback_target.hpp"

namespace tandem::bench {

// Runs one benchmark: starts one event loop per core, connects the clients at the connect
// rate, measures for the duration, drains, disconnects and reports. Bounded in time: ramp-up,
// window and drain each have a deadline. Progress lines go to `progress` once a second.
// `targets` are the parsed options.urls, in order: client i talks to targets[i % n].
BenchReport run_bench(const BenchOptions& options, const std::vector<LoopbackTarget>& targets,
                      std::ostream& progress);

}  // namespace tandem::bench
