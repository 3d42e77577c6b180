#pragma once

#include <memory>

#include "bench/bench_client.hpp"
#include "bench/bench_options.hpp"

namespace tandem::bench {

// A bench client speaking `target`'s dialect over `transport` (a pair validate() accepts).
std::shared_ptr<BenchClient> make_client(TargetKind target, TransportKind transport,
                                         LoopContext& loop, ClientPlan plan);

}  // namespace tandem::bench
