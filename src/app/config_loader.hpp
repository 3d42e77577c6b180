#pragma once

#include "app/serve_config.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace tandem::app {

// A configuration that cannot be used; the message names the source, the key and the problem.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where settings come from. Precedence, highest first: flags, environment, file, defaults.
struct ConfigSources {
  std::optional<std::filesystem::path> file;
  // Reads one environment variable; tests substitute their own.
  std::function<std::optional<std::string>(const std::string&)> environment;
  // Flags given on the command line, by key ("listen" for --listen).
  std::map<std::string, std::string> flags;
};

// Throws ConfigError.
ServeConfig load_serve_config(const ConfigSources& sources);

// Reads the process environment.
std::optional<std::string> process_environment(const std::string& name);

}  // namespace tandem::app
