#include "app/bench_command.hpp"

#include <sys/resource.h>

#include <boost/json/serialize.hpp>

#include <fstream>
#include <iostream>

#include "bench/bench_report.hpp"
#include "bench/bench_runner.hpp"
#include "bench/loopback_target.hpp"
#include "bench/scenario_plan.hpp"
#include "bench/source_addresses.hpp"

namespace tandem::app {

void add_bench_command(CLI::App& app, BenchFlags& flags) {
  CLI::App* bench =
      app.add_subcommand("bench",
                         "Load a Tandem server (or a peer of bench/peers/) on loopback and report "
                         "latency percentiles, throughput and memory "
                         "(docs/bench.md)");
  bench->add_option("scenario", flags.scenario, "authors, viewers, docs, idle or join")
      ->required()
      ->type_name("SCENARIO");
  auto& o = flags.options;
  // One value per --url, so `--url A authors` never reads the scenario as a second URL.
  bench
      ->add_option("--url", o.urls,
                   "The server, http://HOST:PORT on a loopback address; give it once per node "
                   "of a cluster to spread the clients over the nodes round-robin")
      ->allow_extra_args(false)
      ->capture_default_str();
  bench
      ->add_option("--clients", o.clients,
                   "Clients (viewers: subscribers; join: concurrent joiners)")
      ->capture_default_str();
  bench
      ->add_option("--rate", o.rate,
                   "Ops per second per writer (join: joins per second per joiner, 0: no pause)")
      ->capture_default_str();
  bench->add_option("--duration", o.duration_seconds, "Seconds measured")->capture_default_str();
  bench->add_option("--transport", flags.transport, "websocket, sse or poll")
      ->capture_default_str();
  bench
      ->add_option("--target", flags.target,
                   "The server's kind: tandem, or a peer of bench/peers/ (sharedb over websocket, "
                   "socketio over websocket or poll)")
      ->capture_default_str();
  bench->add_option("--docs", o.docs, "Documents (docs, idle, join)")->capture_default_str();
  bench->add_option("--writers", o.writers, "Writers (viewers)")->capture_default_str();
  bench->add_option("--server-pid", flags.server_pid,
                    "PID of the server, to report its CPU and RSS from /proc");
  bench->add_option("--json", o.json_file, "Also write the report as JSON to FILE")
      ->type_name("FILE");
  bench->add_option("--threads", o.threads, "Event loops; 0 means one per core")
      ->capture_default_str();
  bench->add_option("--connect-rate", o.connect_rate, "New connections per second during ramp-up")
      ->capture_default_str();
  bench
      ->add_option("--connect-timeout", o.connect_timeout_seconds,
                   "Seconds allowed for ramp-up; 0 means 30 + 2 x clients / connect-rate")
      ->capture_default_str();
  bench
      ->add_option("--drain", o.drain_seconds,
                   "Seconds to wait after the window for ops still in flight")
      ->capture_default_str();
  bench
      ->add_option("--probes", o.probes,
                   "Clients that also decode every message with the full codec and check it")
      ->capture_default_str();
  bench
      ->add_option("--connections-per-address", o.connections_per_address,
                   "Connections per source address before moving to the next 127.0.0.x")
      ->capture_default_str();
  bench->add_flag("!--no-progress", o.progress, "No progress lines on stderr");
}

int run_bench_command(BenchFlags& flags) {
  bench::BenchOptions& options = flags.options;
  auto fail = [](const std::string& message) {
    std::cerr << "tandem bench: " << message << "\n";
    return 2;
  };
  auto scenario = bench::parse_scenario(flags.scenario);
  if (!scenario) {
    return fail("unknown scenario '" + flags.scenario +
                "'; expected authors, viewers, docs, idle or join");
  }
  options.scenario = *scenario;
  auto transport = bench::parse_transport(flags.transport);
  if (!transport) {
    return fail("unknown transport '" + flags.transport + "'; expected websocket, sse or poll");
  }
  options.transport = *transport;
  auto kind = bench::parse_target(flags.target);
  if (!kind) {
    return fail("unknown target '" + flags.target + "'; expected tandem, sharedb or socketio");
  }
  options.target = *kind;
  if (flags.server_pid > 0) options.server_pid = flags.server_pid;
  if (auto problem = bench::validate(options)) return fail(*problem);
  auto targets = bench::parse_loopback_urls(options.urls);
  if (!targets) return fail(targets.error());

  const auto plan = bench::make_plan(options, "check");
  // Each server has its own source ports: check each one's share of the connections.
  const std::vector<std::size_t> per_server = bench::connections_per_server(options, plan);
  for (std::size_t i = 0; i < targets->size(); ++i) {
    bench::SourceAddresses addresses((*targets)[i].address, options.connections_per_address);
    if (per_server[i] > addresses.capacity()) {
      return fail("the run needs " + std::to_string(per_server[i]) + " connections to " +
                  options.urls[i] + ", more than the source addresses give (" +
                  std::to_string(addresses.capacity()) + ")");
    }
  }

  // Every connection is a descriptor: lift the soft limit to the hard one, and say so when
  // even that is too low.
  const std::size_t needed = bench::connections_needed(options, plan) + 64;
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur != RLIM_INFINITY && files.rlim_cur < needed) {
      return fail("the run needs about " + std::to_string(needed) +
                  " file descriptors but the limit is " + std::to_string(files.rlim_cur) +
                  "; raise it first (ulimit -n " + std::to_string(needed) + ")");
    }
  }

  const bench::BenchReport report = bench::run_bench(options, *targets, std::cerr);
  std::cout << bench::to_text(report) << std::flush;
  if (!options.json_file.empty()) {
    std::ofstream out(options.json_file);
    out << boost::json::serialize(bench::to_json(report)) << "\n";
    if (!out) return fail("cannot write " + options.json_file);
  }
  if (report.errors.count("http_429_too_many_connections") > 0) {
    std::cerr << "tandem bench: the server refused connections per address; run it with "
                 "--max-connections-per-ip 0 (or higher than the clients)\n";
  }
  return report.error_count() == 0 ? 0 : 1;
}

}  // namespace tandem::app
