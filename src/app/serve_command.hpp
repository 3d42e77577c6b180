#pragma once

#include "app/serve_config.hpp"

namespace tandem::app {

// Runs the server until SIGTERM/SIGINT, then drains; returns the process exit code.
int run_serve(const ServeConfig& config);

}  // namespace tandem::app
