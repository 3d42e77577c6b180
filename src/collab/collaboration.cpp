#include "collab/collaboration.hpp"

#include "collab/rebase.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <functional>
#include <future>
#include <thread>
#include <utility>

namespace tandem::collab {

namespace asio = boost::asio;

Collaboration::Collaboration(std::vector<asio::io_context*> loops, store::DocumentStore& store,
                             bus::Bus& bus, CollabOptions options)
    : loops_(std::move(loops)), store_(store), bus_(bus), options_(options) {
  const bool cluster = store_.shared();
  const bool publish = cluster && bus_.shared();
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    tables_.push_back(std::make_unique<DocumentTable>(LoopServices{
        i, loops_, store_, options_, bus_, cluster, publish, make_rebase(options_.ot_limits)}));
  }
  if (!cluster) return;
  std::vector<DocumentTable*> tables;
  for (auto& table : tables_) tables.push_back(table.get());
  head_check_ = std::make_unique<HeadCheck>(
      loops_, std::move(tables), [this](const std::string& doc) { return loop_of(doc); }, store_,
      bus_, options_);
  if (!publish) return;
  bus_.set_listener(bus::Bus::Listener{
      [this](std::string_view topic, std::string_view payload) {
        // On the bus's thread: the document's loop does the rest.
        on_document_loop(
            std::string(topic),
            [doc = std::string(topic), payload = std::string(payload)](DocumentTable& table) {
              if (DocumentActor* actor = table.find(doc)) {
                actor->on_bus_message(payload);
              }
            });
      },
      [this] {
        // Messages may have been lost while the bus was away.
        head_check_->check_now();
      }});
}

Collaboration::~Collaboration() = default;

void Collaboration::start() {
  // Sweep often enough for presence expiry and idle unloading to be timely, rarely enough to
  // cost nothing.
  const auto interval = std::clamp(
      std::min({options_.idle_unload, options_.history_release_after, options_.presence_node_ttl}) /
          4,
      std::chrono::milliseconds(50), std::chrono::milliseconds(5000));
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    asio::post(*loops_[i],
               [table = tables_[i].get(), interval] { table->start_sweeping(interval); });
  }
  if (head_check_) head_check_->start();
}

void Collaboration::stop() {
  if (head_check_) {
    std::promise<void> stopped;
    asio::post(*loops_.front(), [this, &stopped] {
      head_check_->stop();
      stopped.set_value();
    });
    stopped.get_future().wait();
  }
  std::vector<std::future<void>> done;
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    auto promise = std::make_shared<std::promise<void>>();
    done.push_back(promise->get_future());
    asio::post(*loops_[i], [table = tables_[i].get(), promise] {
      table->stop();
      promise->set_value();
    });
  }
  for (auto& future : done) future.wait();
}

bool Collaboration::drain(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool first = true;
  while (true) {
    // Each round asks every loop whether its documents settled; the first one also drains.
    std::vector<std::future<bool>> settled;
    for (std::size_t i = 0; i < loops_.size(); ++i) {
      auto promise = std::make_shared<std::promise<bool>>();
      settled.push_back(promise->get_future());
      asio::post(*loops_[i], [table = tables_[i].get(), promise, first] {
        if (first) table->drain();
        promise->set_value(table->settled());
      });
    }
    first = false;
    bool all = true;
    for (auto& future : settled) all = future.get() && all;
    if (all) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::size_t Collaboration::loop_of(const std::string& doc) const {
  return std::hash<std::string>{}(doc) % loops_.size();
}

template <typename Fn>
void Collaboration::on_document_loop(const std::string& doc, Fn&& fn) {
  const std::size_t loop = loop_of(doc);
  asio::post(*loops_[loop],
             [table = tables_[loop].get(), fn = std::forward<Fn>(fn)]() mutable { fn(*table); });
}

void Collaboration::subscribe(const std::string& doc, std::optional<std::uint64_t> from,
                              SubscriberPtr subscriber, CreationCheck may_create) {
  on_document_loop(doc, [doc, from, subscriber = std::move(subscriber),
                         may_create = std::move(may_create)](DocumentTable& table) mutable {
    table.get(doc).subscribe(std::move(subscriber), from, std::move(may_create));
  });
}

void Collaboration::unsubscribe(const std::string& doc, SubscriberPtr subscriber) {
  on_document_loop(doc, [doc, subscriber = std::move(subscriber)](DocumentTable& table) {
    if (DocumentActor* actor = table.find(doc)) actor->unsubscribe(subscriber);
  });
}

void Collaboration::submit(const std::string& doc, SubscriberPtr author, std::string client,
                           std::uint64_t base, std::uint64_t seq, ot::Op op,
                           SubmitCallback on_result, CreationCheck may_create) {
  on_document_loop(doc, [doc, author = std::move(author), client = std::move(client), base, seq,
                         op = std::move(op), on_result = std::move(on_result),
                         may_create = std::move(may_create)](DocumentTable& table) mutable {
    table.get(doc).submit(std::move(author), std::move(client), base, seq, std::move(op),
                          std::move(on_result), std::move(may_create));
  });
}

void Collaboration::update_presence(const std::string& doc, SubscriberPtr owner,
                                    std::uint64_t version, PresenceState state) {
  on_document_loop(doc, [doc, owner = std::move(owner), version,
                         state = std::move(state)](DocumentTable& table) mutable {
    if (DocumentActor* actor = table.find(doc)) {
      actor->update_presence(owner, version, std::move(state));
    }
  });
}

void Collaboration::read(const std::string& doc, std::function<void(DocumentRead)> done) {
  on_document_loop(doc, [doc, done = std::move(done)](DocumentTable& table) mutable {
    table.get(doc).read(std::move(done));
  });
}

}  // namespace tandem::collab
