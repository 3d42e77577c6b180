#pragma once

#include "collab/document_actor.hpp"

#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tandem::collab {

// The documents owned by one event loop: created on first use, unloaded when idle.
// Touched only from that loop.
class DocumentTable {
 public:
  explicit DocumentTable(LoopServices services);

  // The actor for `doc`, loading it if needed.
  DocumentActor& get(const std::string& doc);
  DocumentActor* find(const std::string& doc);

  void start_sweeping(std::chrono::milliseconds interval);
  void stop();
  // Shutdown: every document refuses submits not yet started.
  void drain();
  // Every document has finished what it started.
  bool settled() const;
  std::size_t size() const { return documents_.size(); }
  // Each loaded document's id and durable version, for head checks (cluster).
  std::vector<std::pair<std::string, std::uint64_t>> versions() const;

 private:
  void sweep();

  LoopServices services_;
  std::unordered_map<std::string, std::unique_ptr<DocumentActor>> documents_;
  boost::asio::steady_timer sweep_timer_;
  std::chrono::milliseconds sweep_interval_{1000};
  bool stopped_ = false;
};

}  // namespace tandem::collab
