#pragma once

#include "bus/bus.hpp"
#include "collab/collab_options.hpp"
#include "collab/document_actor.hpp"
#include "collab/document_table.hpp"
#include "collab/head_check.hpp"
#include "collab/subscriber.hpp"
#include "store/document_store.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tandem::collab {

// The entry point transports use: routes each call to the loop that owns the document (by a
// hash of its id) and runs it there. Every method may be called from any thread.
class Collaboration {
 public:
  // A shared store (DocumentStore::shared) makes this node one of a cluster: batches rebase at
  // the head, head checks run, and a shared bus carries commits and presence to other nodes.
  Collaboration(std::vector<boost::asio::io_context*> loops, store::DocumentStore& store,
                bus::Bus& bus, CollabOptions options);
  ~Collaboration();

  Collaboration(const Collaboration&) = delete;
  Collaboration& operator=(const Collaboration&) = delete;

  void start();
  // Drops every document; call after the store was closed (so no completion is pending) and
  // while the loops still run. Blocks until every loop has done it.
  void stop();
  // Shutdown, before the store closes: refuses submits not yet started and waits (at most
  // `timeout`) until every document has made the rest durable. False if time ran out.
  bool drain(std::chrono::milliseconds timeout);

  std::size_t loop_count() const { return loops_.size(); }
  boost::asio::io_context& loop_context(std::size_t loop) const { return *loops_[loop]; }
  std::size_t loop_of(const std::string& doc) const;

  // `may_create` (may be empty) is asked when the document is not in the store yet.
  void subscribe(const std::string& doc, std::optional<std::uint64_t> from,
                 SubscriberPtr subscriber, CreationCheck may_create = {});
  void unsubscribe(const std::string& doc, SubscriberPtr subscriber);
  void submit(const std::string& doc, SubscriberPtr author, std::string client, std::uint64_t base,
              std::uint64_t seq, ot::Op op, SubmitCallback on_result = {},
              CreationCheck may_create = {});
  void update_presence(const std::string& doc, SubscriberPtr owner, std::uint64_t version,
                       PresenceState state);
  // `done` runs on the document's loop.
  void read(const std::string& doc, std::function<void(DocumentRead)> done);

  const CollabOptions& options() const { return options_; }
  // Head checks run (cluster); null on a single node.
  const HeadCheck* head_check() const { return head_check_.get(); }

 private:
  template <typename Fn>
  void on_document_loop(const std::string& doc, Fn&& fn);

  std::vector<boost::asio::io_context*> loops_;
  store::DocumentStore& store_;
  bus::Bus& bus_;
  CollabOptions options_;
  std::vector<std::unique_ptr<DocumentTable>> tables_;
  std::unique_ptr<HeadCheck> head_check_;
};

}  // namespace tandem::collab
