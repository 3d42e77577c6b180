#include "collab/document_table.hpp"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

namespace tandem::collab {

DocumentTable::DocumentTable(LoopServices services)
    : services_(std::move(services)), sweep_timer_(services_.own_loop()) {}

DocumentActor& DocumentTable::get(const std::string& doc) {
  auto& slot = documents_[doc];
  if (!slot) {
    // Before the load starts, so nothing committed after it is missed (head checks cover the
    // time the broker takes to confirm the subscription).
    if (services_.publish) services_.bus.subscribe(doc);
    slot = std::make_unique<DocumentActor>(doc, services_);
  }
  return *slot;
}

DocumentActor* DocumentTable::find(const std::string& doc) {
  auto found = documents_.find(doc);
  return found == documents_.end() ? nullptr : found->second.get();
}

void DocumentTable::start_sweeping(std::chrono::milliseconds interval) {
  sweep_interval_ = interval;
  sweep_timer_.expires_after(sweep_interval_);
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stopped_) sweep();
  });
}

void DocumentTable::sweep() {
  const auto now = Clock::now();
  std::vector<std::string> idle;
  for (auto& [doc, actor] : documents_) {
    if (actor->sweep(now)) idle.push_back(doc);
  }
  for (const std::string& doc : idle) {
    documents_.erase(doc);
    if (services_.publish) services_.bus.unsubscribe(doc);
  }
  if (!idle.empty()) spdlog::debug("unloaded {} idle document(s)", idle.size());
  start_sweeping(sweep_interval_);
}

std::vector<std::pair<std::string, std::uint64_t>> DocumentTable::versions() const {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  out.reserve(documents_.size());
  for (const auto& [doc, actor] : documents_) out.emplace_back(doc, actor->durable_version());
  return out;
}

void DocumentTable::drain() {
  services_.draining = true;
  for (auto& [doc, actor] : documents_) actor->drain();
}

bool DocumentTable::settled() const {
  for (const auto& [doc, actor] : documents_) {
    if (!actor->settled()) return false;
  }
  return true;
}

void DocumentTable::stop() {
  stopped_ = true;
  sweep_timer_.cancel();
  documents_.clear();
}

}  // namespace tandem::collab
