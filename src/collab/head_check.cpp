#include "collab/head_check.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <memory>
#include <utility>

namespace tandem::collab {

namespace asio = boost::asio;

HeadCheck::HeadCheck(std::vector<asio::io_context*> loops, std::vector<DocumentTable*> tables,
                     std::function<std::size_t(const std::string&)> loop_of,
                     store::DocumentStore& store, bus::Bus& bus, const CollabOptions& options)
    : loops_(std::move(loops)),
      tables_(std::move(tables)),
      loop_of_(std::move(loop_of)),
      store_(store),
      bus_(bus),
      options_(options),
      timer_(*loops_.front()) {}

void HeadCheck::start() {
  asio::post(*loops_.front(), [this] { arm(); });
}

void HeadCheck::check_now() {
  asio::post(*loops_.front(), [this] {
    if (stopped_) return;
    if (running_) {
      again_ = true;
      return;
    }
    timer_.cancel();
    run();
  });
}

void HeadCheck::stop() {
  stopped_ = true;
  timer_.cancel();
}

void HeadCheck::arm() {
  if (stopped_) return;
  // A bus that reaches no other node (none configured) is as good as a disconnected one.
  const bool bus_up = bus_.shared() && bus_.stats().connected;
  const auto interval =
      bus_up ? options_.head_check_interval : options_.head_check_interval_without_bus;
  timer_.expires_after(interval);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !running_) run();
  });
}

void HeadCheck::run() {
  if (stopped_) return;
  running_ = true;
  // Each loop lists its documents on its own thread; the last answer goes on.
  struct Gathered {
    std::size_t left;
    Versions known;
  };
  auto gathered = std::make_shared<Gathered>(Gathered{tables_.size(), {}});
  for (std::size_t i = 0; i < tables_.size(); ++i) {
    asio::post(*loops_[i], [this, table = tables_[i], gathered] {
      Versions versions = table->versions();
      asio::post(*loops_.front(), [this, gathered, versions = std::move(versions)]() mutable {
        for (auto& entry : versions) gathered->known.push_back(std::move(entry));
        if (--gathered->left == 0) compare(std::move(gathered->known));
      });
    });
  }
}

void HeadCheck::compare(Versions known) {
  checks_.fetch_add(1, std::memory_order_relaxed);
  auto finish = [this] {
    running_ = false;
    if (std::exchange(again_, false)) return run();
    arm();
  };
  if (known.empty() || stopped_) return finish();
  std::vector<std::string> docs;
  docs.reserve(known.size());
  for (const auto& [doc, version] : known) docs.push_back(doc);
  store_.heads(std::move(docs), [this, known = std::move(known),
                                 finish](store::Result<std::vector<std::uint64_t>> heads) mutable {
    // On a store thread: back to the first loop, which owns this check.
    asio::post(*loops_.front(), [this, known = std::move(known), heads = std::move(heads),
                                 finish]() mutable {
      if (!heads.ok()) {
        spdlog::debug("head check: {}", heads.error().message);
      } else if (heads->size() == known.size()) {
        for (std::size_t i = 0; i < known.size(); ++i) {
          const std::uint64_t head = heads.value()[i];
          if (head <= known[i].second) continue;
          behind_.fetch_add(1, std::memory_order_relaxed);
          const std::size_t loop = loop_of_(known[i].first);
          asio::post(*loops_[loop], [table = tables_[loop], doc = std::move(known[i].first), head] {
            if (DocumentActor* actor = table->find(doc)) actor->catch_up_to(head);
          });
        }
      }
      finish();
    });
  });
}

}  // namespace tandem::collab
