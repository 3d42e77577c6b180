// tandem: the collaborative editing server and its tools, one binary with subcommands.

#include "app/bench_command.hpp"
#include "app/config_loader.hpp"
#include "app/doctor_command.hpp"
#include "app/logging.hpp"
#include "app/ot_eval_command.hpp"
#include "app/serve_command.hpp"
#include "app/serve_config.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>
#include <string>

namespace {

using tandem::app::ConfigError;
using tandem::app::ConfigField;

struct ServeFlags {
  std::string config_file;
  bool print_config = false;
  // Flag values as typed, by key; only the flags actually given are applied.
  std::map<std::string, std::string> values;
  std::map<std::string, CLI::Option*> options;
};

void add_serve_command(CLI::App& app, ServeFlags& flags) {
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Run the collaboration server (default: http://127.0.0.1:8080, data in ./tandem-data)");
  serve->footer(
      "Every setting can also come from the environment (TANDEM_<KEY>, e.g. TANDEM_LISTEN) or "
      "from the TOML file given by --config / TANDEM_CONFIG (key = \"value\", e.g. "
      "listen = \"127.0.0.1:9000\").\nPrecedence: flag > environment > config file > default.");
  serve->add_option("--config", flags.config_file, "TOML configuration file [env: TANDEM_CONFIG]")
      ->type_name("FILE");
  serve->add_flag("--print-config", flags.print_config,
                  "Print the effective configuration as TOML and exit");
  for (const ConfigField& field : tandem::app::serve_config_fields()) {
    const std::string key(field.key);
    const tandem::app::ServeConfig defaults;
    std::string help = std::string(field.help) + " [env: " + tandem::app::environment_name(key) +
                       "] [default: " + field.format(defaults) + "]";
    flags.options[key] = serve->add_option("--" + key, flags.values[key], help)
                             ->type_name(std::string(field.value_name));
  }
}

int run_serve_command(const ServeFlags& flags) {
  tandem::app::ConfigSources sources;
  sources.environment = tandem::app::process_environment;
  if (!flags.config_file.empty()) {
    sources.file = flags.config_file;
  } else if (auto from_env = tandem::app::process_environment("TANDEM_CONFIG")) {
    sources.file = *from_env;
  }
  for (const auto& [key, option] : flags.options) {
    if (option->count() > 0) sources.flags[key] = flags.values.at(key);
  }
  tandem::app::ServeConfig config;
  try {
    config = tandem::app::load_serve_config(sources);
    tandem::app::configure_logging(config.log_format, config.log_level);
  } catch (const ConfigError& e) {
    std::cerr << "tandem serve: " << e.what() << "\n";
    return 2;
  }
  if (flags.print_config) {
    std::cout << tandem::app::format_as_toml(config);
    return 0;
  }
  return tandem::app::run_serve(config);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Tandem: real-time collaborative editing that survives every proxy.\n"
      "Run `tandem SUBCOMMAND --help` for the options of each subcommand."};
  app.set_version_flag("--version", std::string("tandem ") + TANDEM_VERSION);
  app.require_subcommand(1);

  ServeFlags serve_flags;
  add_serve_command(app, serve_flags);
  app.add_subcommand("ot-eval",
                     "Evaluate OT functions on JSON lines from stdin (apply, transform, compose, "
                     "transformPosition), one JSON answer per line, to compare implementations");
  tandem::app::add_doctor_command(app);

  tandem::app::BenchFlags bench_flags;
  tandem::app::add_bench_command(app, bench_flags);

  CLI11_PARSE(app, argc, argv);

  if (app.got_subcommand("serve")) return run_serve_command(serve_flags);
  if (app.got_subcommand("bench")) return tandem::app::run_bench_command(bench_flags);
  if (app.got_subcommand("ot-eval")) return tandem::app::run_ot_eval(std::cin, std::cout);
  if (app.got_subcommand("doctor")) return tandem::app::run_doctor_command(app);
  return 1;
}
