#pragma once

#include "app/serve_config.hpp"

#include <string_view>

namespace tandem::app {

// Sends every log line to stderr, as text for people or as one JSON object per line.
// Throws ConfigError for an unknown level.
void configure_logging(LogFormat format, std::string_view level);

}  // namespace tandem::app
