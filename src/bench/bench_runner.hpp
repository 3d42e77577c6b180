#pragma once

#include <iosfwd>

#include "bench/bench_options.hpp"
#include "bench/bench_report.hpp"
#include "bench/loopback_target.hpp"

namespace tandem::bench {

// Runs one benchmark: starts one event loop per core, connects the clients at the connect
// rate, measures for the duration, drains, disconnects and reports. Bounded in time: ramp-up,
// window and drain each have a deadline. Progress lines go to `progress` once a second.
BenchReport run_bench(const BenchOptions& options, const LoopbackTarget& target,
                      std::ostream& progress);

}  // namespace tandem::bench
