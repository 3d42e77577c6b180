#include "app/config_loader.hpp"

#include <toml++/toml.h>

#include <cstdlib>
#include <sstream>

namespace tandem::app {

namespace {

const ConfigField* find_field(std::string_view key) {
  for (const ConfigField& field : serve_config_fields()) {
    if (field.key == key) return &field;
  }
  return nullptr;
}

void apply(ServeConfig& config, const ConfigField& field, std::string_view text,
           const std::string& source) {
  if (auto problem = field.parse(config, text)) {
    throw ConfigError(source + ": " + *problem);
  }
}

// TOML values are turned into the same text a flag would carry, so one parser serves all.
std::string toml_value_text(const toml::node& node, const std::string& where) {
  if (const auto* text = node.as_string()) return text->get();
  if (const auto* integer = node.as_integer()) {
    if (integer->get() < 0) throw ConfigError(where + ": must not be negative");
    return std::to_string(integer->get());
  }
  if (const auto* boolean = node.as_boolean()) return boolean->get() ? "true" : "false";
  throw ConfigError(where + ": expected a string or an integer");
}

void apply_file(ServeConfig& config, const std::filesystem::path& path) {
  toml::table table;
  try {
    table = toml::parse_file(path.string());
  } catch (const toml::parse_error& error) {
    std::ostringstream message;
    message << "config file " << path.string() << ":" << error.source().begin.line << ":"
            << error.source().begin.column << ": " << error.description();
    throw ConfigError(message.str());
  }
  for (const auto& [key, node] : table) {
    const std::string where = "config file " + path.string() + ": key '" + std::string(key) + "'";
    const ConfigField* field = find_field(key.str());
    if (field == nullptr) throw ConfigError(where + ": unknown setting");
    apply(config, *field, toml_value_text(node, where), where);
  }
}

}  // namespace

std::optional<std::string> process_environment(const std::string& name) {
  if (const char* value = std::getenv(name.c_str())) return std::string(value);
  return std::nullopt;
}

ServeConfig load_serve_config(const ConfigSources& sources) {
  ServeConfig config;
  if (sources.file) apply_file(config, *sources.file);
  if (sources.environment) {
    for (const ConfigField& field : serve_config_fields()) {
      const std::string name = environment_name(field.key);
      if (auto value = sources.environment(name)) {
        apply(config, field, *value, "environment variable " + name);
      }
    }
  }
  for (const auto& [key, value] : sources.flags) {
    const ConfigField* field = find_field(key);
    if (field == nullptr) throw ConfigError("unknown flag --" + key);
    apply(config, *field, value, "flag --" + key);
  }
  return config;
}

}  // namespace tandem::app
