#include "bench/bench_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tandem::bench {

namespace json = boost::json;

LatencySummary LatencySummary::of(const LatencyHistogram& histogram) {
  LatencySummary summary;
  summary.count = histogram.count();
  summary.p50 = histogram.percentile(0.50);
  summary.p95 = histogram.percentile(0.95);
  summary.p99 = histogram.percentile(0.99);
  summary.max = histogram.max();
  summary.mean = histogram.mean();
  return summary;
}

std::uint64_t BenchReport::error_count() const {
  std::uint64_t total = 0;
  for (const auto& [code, count] : errors) total += count;
  return total;
}

double BenchReport::per_second(std::uint64_t count) const {
  return window_seconds > 0 ? static_cast<double>(count) / window_seconds : 0.0;
}

namespace {

json::object latency_json(const LatencySummary& s) {
  return {{"count", s.count}, {"p50_us", s.p50}, {"p95_us", s.p95},
          {"p99_us", s.p99},  {"max_us", s.max}, {"mean_us", s.mean}};
}

std::string ms(std::uint64_t micros) {
  return fmt::format("{:.2f}", static_cast<double>(micros) / 1000.0);
}

std::string latency_line(std::string_view name, const LatencySummary& s) {
  if (s.count == 0) return fmt::format("  {:<26} (none)\n", name);
  return fmt::format("  {:<26} p50 {} ms  p95 {} ms  p99 {} ms  max {} ms  (n={})\n", name,
                     ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max), s.count);
}

std::string mib(std::uint64_t bytes) {
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / 1048576.0);
}

}  // namespace

json::object to_json(const BenchReport& r) {
  const BenchOptions& o = r.options;
  json::array urls;
  for (const std::string& url : o.urls) urls.emplace_back(url);
  json::object options{{"scenario", scenario_name(o.scenario)},
                       {"target", target_name(o.target)},
                       {"transport", transport_name(o.transport)},
                       {"url", o.urls.empty() ? std::string() : o.urls.front()},
                       {"urls", urls},
                       {"clients", o.clients},
                       {"writers", r.writers},
                       {"rate", o.rate},
                       {"duration_s", o.duration_seconds},
                       {"docs", o.docs},
                       {"threads", r.loops}};
  json::object errors;
  for (const auto& [code, count] : r.errors) errors[code] = count;
  json::object out{
      {"tool", "tandem bench"},
      {"started_at", r.started_at},
      {"cores", r.cores},
      {"options", std::move(options)},
      {"total_clients", r.total_clients},
      {"connect_s", r.connect_seconds},
      {"window_s", r.window_seconds},
      {"connections", r.connections},
      {"ready", r.ready},
      {"ops", json::object{{"offered", r.offered},
                           {"submitted", r.submitted},
                           {"deferred", r.deferred},
                           {"confirmed", r.confirmed},
                           {"confirmed_per_s", r.per_second(r.confirmed)}}},
      {"deliveries", r.deliveries},
      {"deliveries_per_s", r.per_second(r.deliveries)},
      {"frames", r.frames},
      {"frames_per_s", r.per_second(r.frames)},
      {"delivered_to_all",
       json::object{{"complete", r.delivered_complete}, {"incomplete", r.delivered_incomplete}}},
      {"latency", json::object{{"submit_to_confirm", latency_json(r.confirm)},
                               {"submit_to_all_delivered", latency_json(r.delivered_all)},
                               {"submit_to_first_delivered", latency_json(r.delivered_first)},
                               {"join", latency_json(r.join)}}},
      {"joins", r.joins},
      {"joins_per_s", r.per_second(r.joins)},
      {"reconnects", r.reconnects},
      {"errors", std::move(errors)},
      {"error_count", r.error_count()},
      {"generator",
       json::object{
           {"cpu_s", r.generator_cpu_seconds},
           {"cpu_cores", r.window_seconds > 0 ? r.generator_cpu_seconds / r.window_seconds : 0.0},
           {"rss_bytes", r.generator_rss}}},
  };
  if (r.server) {
    const ServerFigures& s = *r.server;
    json::object server{{"cpu_s", s.cpu_seconds},
                        {"cpu_cores", s.cpu_cores},
                        {"rss_before_bytes", s.rss_before},
                        {"rss_loaded_bytes", s.rss_loaded},
                        {"rss_peak_bytes", s.rss_peak}};
    // Joiners come and go: their RSS per client would mean nothing.
    if (r.options.scenario != Scenario::kJoin && r.ready > 0 && s.rss_loaded > s.rss_before) {
      server["rss_per_client_bytes"] =
          static_cast<double>(s.rss_loaded - s.rss_before) / static_cast<double>(r.ready);
    }
    if (r.deliveries > 0) {
      server["cpu_us_per_delivery"] = s.cpu_seconds * 1e6 / static_cast<double>(r.deliveries);
    }
    if (r.confirmed > 0) {
      server["cpu_us_per_confirmed_op"] = s.cpu_seconds * 1e6 / static_cast<double>(r.confirmed);
    }
    out["server"] = std::move(server);
  }
  return out;
}

std::string to_text(const BenchReport& r) {
  const BenchOptions& o = r.options;
  std::string out = fmt::format(
      "tandem bench {} against {} over {}: {} clients ({} writing at {} ops/s each), {} doc(s), "
      "{:.1f} s "
      "measured, {} loops on {} cores\n",
      scenario_name(o.scenario), target_name(o.target), transport_name(o.transport),
      r.total_clients, r.writers, o.rate,
      o.scenario == Scenario::kAuthors || o.scenario == Scenario::kViewers ? 1 : o.docs,
      r.window_seconds, r.loops, r.cores);
  // One server: the header says nothing new, as before; a cluster: which nodes, and how spread.
  if (o.urls.size() > 1) {
    out += fmt::format("  servers: {} (client i talks to server i % {})\n", fmt::join(o.urls, ", "),
                       o.urls.size());
  }
  out += fmt::format("  connected {} / ready {} in {:.1f} s ({} connections)\n", r.ready,
                     r.total_clients, r.connect_seconds, r.connections);
  if (r.writers > 0) {
    out += fmt::format(
        "  ops: offered {}, submitted {} ({:.0f}/s), deferred {}, confirmed {} ({:.0f}/s)\n",
        r.offered, r.submitted, r.per_second(r.submitted), r.deferred, r.confirmed,
        r.per_second(r.confirmed));
    out += fmt::format(
        "  deliveries {} ({:.0f}/s) in {} frames ({:.2f} messages per frame)\n", r.deliveries,
        r.per_second(r.deliveries), r.frames,
        r.frames > 0 ? static_cast<double>(r.deliveries) / static_cast<double>(r.frames) : 0.0);
    out += fmt::format("  every subscriber had {} of {} measured ops\n", r.delivered_complete,
                       r.delivered_complete + r.delivered_incomplete);
    out += latency_line("submit -> confirmed", r.confirm);
    out += latency_line("submit -> first delivered", r.delivered_first);
    out += latency_line("submit -> all delivered", r.delivered_all);
  }
  if (o.scenario == Scenario::kJoin) {
    out += fmt::format("  joins {} ({:.0f}/s)\n", r.joins, r.per_second(r.joins));
    out += latency_line("connect -> snapshot", r.join);
  }
  if (r.reconnects > 0) out += fmt::format("  reconnects {}\n", r.reconnects);
  out += fmt::format("  errors: {}", r.error_count());
  for (const auto& [code, count] : r.errors) out += fmt::format("  {}={}", code, count);
  out += "\n";
  out += fmt::format("  generator: {:.2f} CPU s ({:.2f} cores), RSS {}\n", r.generator_cpu_seconds,
                     r.window_seconds > 0 ? r.generator_cpu_seconds / r.window_seconds : 0.0,
                     mib(r.generator_rss));
  if (r.server) {
    const ServerFigures& s = *r.server;
    out += fmt::format("  server: {:.2f} CPU s ({:.2f} cores), RSS {} before, {} loaded",
                       s.cpu_seconds, s.cpu_cores, mib(s.rss_before), mib(s.rss_loaded));
    if (o.scenario != Scenario::kJoin && r.ready > 0 && s.rss_loaded > s.rss_before) {
      out +=
          fmt::format(" ({:.0f} B per client)", static_cast<double>(s.rss_loaded - s.rss_before) /
                                                    static_cast<double>(r.ready));
    }
    out += "\n";
    if (r.deliveries > 0) {
      out += fmt::format(
          "  server CPU per delivery {:.2f} us, per confirmed op {:.1f} us\n",
          s.cpu_seconds * 1e6 / static_cast<double>(r.deliveries),
          r.confirmed > 0 ? s.cpu_seconds * 1e6 / static_cast<double>(r.confirmed) : 0.0);
    }
  }
  return out;
}

std::string progress_line(const Progress& p) {
  std::string line = fmt::format("[{:6.1f}s] {} ready {}/{}", p.elapsed_seconds,
                                 p.measuring ? "run " : "ramp", p.ready, p.clients);
  if (p.measuring) {
    line += fmt::format("  submit {:.0f}/s  confirm {:.0f}/s  deliver {:.0f}/s  in flight {}",
                        p.submitted_per_second, p.confirmed_per_second, p.deliveries_per_second,
                        p.in_flight);
  }
  line += fmt::format("  errors {}", p.errors);
  if (p.server_cpu_cores) line += fmt::format("  server {:.2f} cores", *p.server_cpu_cores);
  if (p.server_rss) line += fmt::format(" {}", mib(*p.server_rss));
  return line;
}

}  // namespace tandem::bench
