#pragma once

#include <iosfwd>

namespace tandem::app {

// `tandem ot-eval`: answers one JSON line per JSON line read, so another OT implementation can
// be compared with ours case by case. Returns the process exit code.
int run_ot_eval(std::istream& in, std::ostream& out);

}  // namespace tandem::app
