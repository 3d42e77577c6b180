#pragma once

#include <memory>

#include "bench/bench_client.hpp"
#include "bench/bench_options.hpp"

namespace tandem::bench {

// A bench client speaking `transport`.
std::shared_ptr<BenchClient> make_client(TransportKind transport, LoopContext& loop,
                                         ClientPlan plan);

}  // namespace tandem::bench
