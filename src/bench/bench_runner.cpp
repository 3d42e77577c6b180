#include "bench/bench_runner.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <future>
#include <memory>
#include <ostream>
#include <random>
#include <thread>
#include <vector>

#include "bench/bench_client.hpp"
#include "bench/client_factory.hpp"
#include "bench/loop_context.hpp"
#include "bench/process_stats.hpp"
#include "bench/scenario_plan.hpp"
#include "bench/source_addresses.hpp"

namespace tandem::bench {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string make_run_id() {
  std::random_device device;
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id;
  for (int i = 0; i < 8; ++i) id.push_back(kAlphabet[device() % kAlphabet.size()]);
  return id;
}

struct Loop {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<LoopContext> context;
  std::vector<std::shared_ptr<BenchClient>> clients;
  std::thread thread;
};

// The join scenario: each joiner connects, waits for its snapshot, disconnects and starts
// again (paced by its rate), on its own loop. A join that takes longer than kJoinTimeout is
// abandoned and counted.
class Joiner : public std::enable_shared_from_this<Joiner> {
 public:
  static constexpr auto kJoinTimeout = std::chrono::seconds(10);

  Joiner(TargetKind target, TransportKind transport, LoopContext& loop, ClientPlan plan)
      : target_(target),
        transport_(transport),
        loop_(loop),
        plan_(std::move(plan)),
        timer_(loop.io) {}

  void start() { join(); }
  void stop() {
    stopped_ = true;
    timer_.cancel();
    if (client_) client_->stop();
    // The client's start callback holds this joiner: let go of the client, or they never go.
    client_.reset();
  }

 private:
  void join() {
    if (stopped_) return;
    ClientPlan plan = plan_;
    plan.client_id += "-" + std::to_string(++count_);
    client_ = make_client(target_, transport_, loop_, std::move(plan));
    const std::uint64_t attempt = count_;
    const auto started = Clock::now();
    client_->start([self = shared_from_this(), attempt, started] {
      if (self->stopped_ || attempt != self->count_) return;
      self->client_->stop();
      self->next(started);
    });
    timer_.expires_after(kJoinTimeout);
    timer_.async_wait([self = shared_from_this(), attempt](const boost::system::error_code& ec) {
      if (ec || self->stopped_ || attempt != self->count_) return;
      self->loop_.stats.error("join_timeout");
      self->client_->stop();
      self->join();
    });
  }

  void next(Clock::time_point started) {
    timer_.cancel();
    if (plan_.rate <= 0) {
      asio::post(loop_.io, [self = shared_from_this()] { self->join(); });
      return;
    }
    timer_.expires_at(started +
                      std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / plan_.rate)));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->join();
    });
  }

  TargetKind target_;
  TransportKind transport_;
  LoopContext& loop_;
  ClientPlan plan_;
  asio::steady_timer timer_;
  std::shared_ptr<BenchClient> client_;
  std::uint64_t count_ = 0;
  bool stopped_ = false;
};

// Runs `work` on every loop and waits for it.
template <class Work>
void on_every_loop(std::vector<std::unique_ptr<Loop>>& loops, Work work) {
  std::vector<std::future<void>> done;
  for (auto& loop : loops) {
    auto promise = std::make_shared<std::promise<void>>();
    done.push_back(promise->get_future());
    asio::post(loop->io, [&loop = *loop, work, promise] {
      work(loop);
      promise->set_value();
    });
  }
  for (auto& f : done) f.wait();
}

struct Totals {
  std::uint64_t ready = 0, submitted = 0, confirmed = 0, deliveries = 0, frames = 0, errors = 0,
                in_flight = 0, connected = 0;
};

Totals totals(const std::vector<std::unique_ptr<Loop>>& loops) {
  Totals t;
  for (const auto& loop : loops) {
    const LoopStats& s = loop->context->stats;
    t.ready += s.ready.get();
    t.submitted += s.submitted.get();
    t.confirmed += s.confirmed.get();
    t.deliveries += s.deliveries.get();
    t.frames += s.frames.get();
    t.errors += s.errors.get();
    t.in_flight += s.in_flight.get();
    t.connected += s.connected.get();
  }
  return t;
}

}  // namespace

BenchReport run_bench(const BenchOptions& options, const std::vector<LoopbackTarget>& targets,
                      std::ostream& progress) {
  BenchReport report;
  report.options = options;
  report.started_at = utc_now();
  report.cores = std::max(1u, std::thread::hardware_concurrency());

  const RunPlan plan = make_plan(options, make_run_id());
  report.total_clients = plan.clients.size();
  report.writers = plan.writers;

  RunShared shared;
  for (const LoopbackTarget& target : targets) {
    shared.servers.emplace_back(target, options.connections_per_address);
  }

  std::optional<ServerFigures> server;
  if (options.server_pid) {
    if (auto before = sample_process(*options.server_pid)) {
      server.emplace();
      server->rss_before = before->rss_bytes;
    }
  }

  // Viewers: the writers get a loop of their own, so their confirmations are not queued behind
  // thousands of subscribers' reads on a shared loop.
  const bool writer_loop = options.scenario == Scenario::kViewers;
  const std::size_t reader_loops = options.threads != 0 ? options.threads : report.cores;
  const std::size_t loop_count = reader_loops + (writer_loop ? 1 : 0);
  report.loops = loop_count;
  std::vector<std::unique_ptr<Loop>> loops;
  for (std::size_t i = 0; i < loop_count; ++i) {
    auto loop = std::make_unique<Loop>();
    loop->context =
        std::make_unique<LoopContext>(loop->io, shared, 0x9e3779b97f4a7c15ULL * (i + 1));
    loops.push_back(std::move(loop));
  }
  for (auto& loop : loops) {
    loop->thread = std::thread([&io = loop->io] {
      for (;;) {
        try {
          io.run();
          return;
        } catch (const std::exception&) {
          // A handler that throws must not end the run; the client it belonged to goes quiet.
        }
      }
    });
  }

  const bool joining = options.scenario == Scenario::kJoin;
  std::vector<std::shared_ptr<Joiner>> joiners;
  const auto started = Clock::now();
  auto last_print = started;
  auto print = [&](bool measuring, double elapsed, const Totals& now, const Totals& before,
                   double interval, std::optional<ProcessSample>& server_before) {
    Progress p;
    p.elapsed_seconds = elapsed;
    p.measuring = measuring;
    p.ready = now.ready;
    p.clients = plan.clients.size();
    p.errors = now.errors;
    p.in_flight = now.in_flight;
    if (interval > 0) {
      p.submitted_per_second = static_cast<double>(now.submitted - before.submitted) / interval;
      p.confirmed_per_second = static_cast<double>(now.confirmed - before.confirmed) / interval;
      p.deliveries_per_second = static_cast<double>(now.deliveries - before.deliveries) / interval;
    }
    if (options.server_pid) {
      if (auto sample = sample_process(*options.server_pid)) {
        if (server_before && interval > 0) {
          p.server_cpu_cores = (sample->cpu_seconds - server_before->cpu_seconds) / interval;
        }
        p.server_rss = sample->rss_bytes;
        server_before = sample;
      }
    }
    if (options.progress) progress << progress_line(p) << std::endl;
  };

  // ---- Ramp-up: connect at the connect rate until everyone has a snapshot. ----
  std::optional<ProcessSample> server_progress =
      options.server_pid ? sample_process(*options.server_pid) : std::nullopt;
  Totals previous;
  if (!joining) {
    const double connect_budget =
        options.connect_timeout_seconds > 0
            ? options.connect_timeout_seconds
            : 30.0 + 2.0 * static_cast<double>(plan.clients.size()) / options.connect_rate;
    std::size_t next = 0;
    for (;;) {
      const double elapsed = seconds_since(started);
      const auto due = std::min<std::size_t>(
          plan.clients.size(), static_cast<std::size_t>(elapsed * options.connect_rate) + 1);
      for (; next < due; ++next) {
        const bool writes = plan.clients[next].role == ClientPlan::Role::kWriter;
        Loop& loop = writer_loop && writes ? *loops.back() : *loops[next % reader_loops];
        auto client =
            make_client(options.target, options.transport, *loop.context, plan.clients[next]);
        asio::post(loop.io, [&loop, client] {
          loop.clients.push_back(client);
          client->start();
        });
      }
      const Totals now = totals(loops);
      if (now.ready >= plan.clients.size() || elapsed > connect_budget) break;
      if (Clock::now() - last_print >= std::chrono::seconds(1)) {
        const double interval = std::chrono::duration<double>(Clock::now() - last_print).count();
        print(false, elapsed, now, previous, interval, server_progress);
        previous = now;
        last_print = Clock::now();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  report.connect_seconds = seconds_since(started);

  // ---- The measured window. ----
  const auto own_before = sample_self();
  const auto server_before =
      options.server_pid ? sample_process(*options.server_pid) : std::nullopt;
  shared.measuring.store(true);
  const auto window_start = Clock::now();
  if (joining) {
    for (std::size_t i = 0; i < plan.clients.size(); ++i) {
      Loop& loop = *loops[i % loops.size()];
      auto joiner = std::make_shared<Joiner>(options.target, options.transport, *loop.context,
                                             plan.clients[i]);
      joiners.push_back(joiner);
      asio::post(loop.io, [joiner] { joiner->start(); });
    }
  } else {
    on_every_loop(loops, [](Loop& loop) {
      for (auto& client : loop.clients) client->start_writing();
    });
  }
  previous = totals(loops);
  last_print = Clock::now();
  const auto window = std::chrono::duration<double>(options.duration_seconds);
  while (Clock::now() - window_start < window) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (Clock::now() - last_print >= std::chrono::seconds(1)) {
      const Totals now = totals(loops);
      const double interval = std::chrono::duration<double>(Clock::now() - last_print).count();
      print(true, seconds_since(started), now, previous, interval, server_progress);
      previous = now;
      last_print = Clock::now();
    }
  }
  // Stop the load; the window ends here for rates and CPU.
  if (joining) {
    for (std::size_t i = 0; i < joiners.size(); ++i) {
      Loop& loop = *loops[i % loops.size()];
      asio::post(loop.io, [joiner = joiners[i]] { joiner->stop(); });
    }
  } else {
    on_every_loop(loops, [](Loop& loop) {
      for (auto& client : loop.clients) client->stop_writing();
    });
  }
  report.window_seconds = seconds_since(window_start);
  const Totals at_end = totals(loops);
  const auto own_after = sample_self();
  const auto server_after = options.server_pid ? sample_process(*options.server_pid) : std::nullopt;
  report.generator_cpu_seconds = own_after.cpu_seconds - own_before.cpu_seconds;
  report.generator_rss = own_after.rss_bytes;
  if (server && server_before && server_after) {
    server->cpu_seconds = server_after->cpu_seconds - server_before->cpu_seconds;
    server->cpu_cores = server->cpu_seconds / report.window_seconds;
    server->rss_loaded = server_after->rss_bytes;
    server->rss_peak = server_after->peak_rss_bytes;
    report.server = server;
  }

  // ---- Drain: let confirmations and deliveries of ops already sent arrive. ----
  const auto drain_start = Clock::now();
  std::uint64_t last_deliveries = totals(loops).deliveries;
  auto quiet_since = Clock::now();
  while (seconds_since(drain_start) < options.drain_seconds) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const Totals now = totals(loops);
    if (now.deliveries != last_deliveries) {
      last_deliveries = now.deliveries;
      quiet_since = Clock::now();
    }
    if (now.in_flight == 0 && Clock::now() - quiet_since > std::chrono::milliseconds(300)) break;
  }
  const std::uint64_t unconfirmed = totals(loops).in_flight;
  shared.measuring.store(false);

  // ---- Disconnect, stop the loops, merge what they saw. ----
  on_every_loop(loops, [](Loop& loop) {
    for (auto& client : loop.clients) client->stop();
  });
  // Closed sockets and cancelled timers complete their handlers, then the loops run dry.
  for (auto& loop : loops) loop->work.reset();
  const auto stop_deadline = Clock::now() + std::chrono::seconds(3);
  for (auto& loop : loops) {
    while (!loop->io.stopped() && Clock::now() < stop_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    loop->io.stop();
    loop->thread.join();
  }

  LatencyHistogram confirm;
  LatencyHistogram join;
  DeliveryLedger ledger;
  for (auto& loop : loops) {
    LoopStats& s = loop->context->stats;
    report.connections += s.connected.get();
    report.ready += s.ready.get();
    report.offered += s.offered.get();
    report.submitted += s.submitted.get();
    report.deferred += s.deferred.get();
    report.confirmed += s.confirmed.get();
    report.joins += s.joins.get();
    report.reconnects += s.reconnects.get();
    confirm.merge(s.confirm);
    join.merge(s.join);
    ledger.merge(s.ledger);
    for (const auto& [code, count] : s.error_codes) report.errors[code] += count;
  }
  if (joining) report.ready = std::min<std::uint64_t>(report.ready, plan.clients.size());
  // Deliveries per second count the window only; the drain's stragglers are in the ledger.
  report.deliveries = at_end.deliveries;
  report.frames = at_end.frames;
  report.confirm = LatencySummary::of(confirm);
  report.join = LatencySummary::of(join);
  const DeliveryLedger::Summary delivered = ledger.summarize(plan.subscribers);
  report.delivered_all = LatencySummary::of(delivered.to_all);
  report.delivered_first = LatencySummary::of(delivered.to_first);
  report.delivered_complete = delivered.complete;
  report.delivered_incomplete = delivered.incomplete;
  if (unconfirmed > 0) report.errors["unconfirmed_ops"] += unconfirmed;
  if (delivered.incomplete > 0) report.errors["undelivered_ops"] += delivered.incomplete;
  if (!joining && report.ready < plan.clients.size()) {
    report.errors["clients_not_ready"] += plan.clients.size() - report.ready;
  }

  joiners.clear();
  for (auto& loop : loops) loop->clients.clear();
  return report;
}

}  // namespace tandem::bench
