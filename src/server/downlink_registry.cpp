#include "server/downlink_registry.hpp"

#include <boost/asio/post.hpp>

#include <future>
#include <optional>
#include <utility>

namespace tandem::server {

namespace asio = boost::asio;

DownlinkRegistry::DownlinkRegistry(std::vector<asio::io_context*> loops,
                                   collab::Collaboration& collaboration,
                                   const ProtocolConfig& protocol, DownlinkOptions options,
                                   WritePacers& pacers)
    : loops_(std::move(loops)),
      pacers_(pacers),
      collaboration_(collaboration),
      protocol_(protocol),
      options_(options),
      tables_(loops_.size()) {
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    tables_[i].sweep_timer = std::make_unique<asio::steady_timer>(*loops_[i]);
  }
}

DownlinkRegistry::~DownlinkRegistry() = default;

std::shared_ptr<HttpDownlink> DownlinkRegistry::acquire(
    std::size_t loop, const std::string& client, const std::string& credentials,
    const std::vector<DownlinkSubscription>& subscriptions, const Permissions& permissions,
    const boost::asio::ip::address& address) {
  auto& downlinks = tables_[loop].downlinks;
  auto found = downlinks.find(client);
  if (found != downlinks.end()) {
    if (found->second->continues(subscriptions, credentials)) return found->second;
    found->second->close();
    downlinks.erase(found);
  }
  std::optional<std::size_t> previous;
  {
    std::lock_guard lock(owners_mutex_);
    auto [owner, inserted] = owners_.try_emplace(client, loop);
    if (!inserted && owner->second != loop) previous = owner->second;
    owner->second = loop;
  }
  if (previous) {
    // The client moved to another connection (and loop): its old downlink leaves its documents
    // now rather than after the grace period, so presence and held polls end at once.
    asio::post(*loops_[*previous], [this, loop = *previous, client] {
      auto stale = tables_[loop].downlinks.find(client);
      if (stale == tables_[loop].downlinks.end()) return;
      stale->second->close();
      tables_[loop].downlinks.erase(stale);
    });
  }
  auto downlink = std::make_shared<HttpDownlink>(
      *loops_[loop], loop, client, credentials, collaboration_, protocol_, permissions, address,
      options_.max_buffered_bytes, pacers_.on_loop(loop));
  downlink->start(subscriptions);
  downlinks.emplace(client, downlink);
  return downlink;
}

std::optional<std::size_t> DownlinkRegistry::owner_loop(const std::string& client) {
  std::lock_guard lock(owners_mutex_);
  auto owner = owners_.find(client);
  if (owner == owners_.end()) return std::nullopt;
  return owner->second;
}

bool DownlinkRegistry::post_to(const std::string& client, std::function<void(HttpDownlink&)> fn) {
  std::size_t loop = 0;
  {
    std::lock_guard lock(owners_mutex_);
    auto owner = owners_.find(client);
    if (owner == owners_.end()) return false;
    loop = owner->second;
  }
  asio::post(*loops_[loop], [this, loop, client, fn = std::move(fn)] {
    auto found = tables_[loop].downlinks.find(client);
    if (found != tables_[loop].downlinks.end() && !found->second->closed()) fn(*found->second);
  });
  return true;
}

void DownlinkRegistry::forget(std::size_t loop, const std::string& client) {
  std::lock_guard lock(owners_mutex_);
  auto owner = owners_.find(client);
  if (owner != owners_.end() && owner->second == loop) owners_.erase(owner);
}

void DownlinkRegistry::start() {
  for (std::size_t i = 0; i < loops_.size(); ++i) asio::post(*loops_[i], [this, i] { sweep(i); });
}

void DownlinkRegistry::sweep(std::size_t loop) {
  const auto now = std::chrono::steady_clock::now();
  auto& downlinks = tables_[loop].downlinks;
  for (auto it = downlinks.begin(); it != downlinks.end();) {
    HttpDownlink& downlink = *it->second;
    if (downlink.closed() ||
        (!downlink.attached() && now - downlink.last_used() > options_.grace)) {
      downlink.close();
      forget(loop, it->first);
      it = downlinks.erase(it);
    } else {
      ++it;
    }
  }
  auto& timer = *tables_[loop].sweep_timer;
  timer.expires_after(std::min(options_.grace / 4, std::chrono::milliseconds(5000)) +
                      std::chrono::milliseconds(1));
  timer.async_wait([this, loop](const boost::system::error_code& ec) {
    if (!ec) sweep(loop);
  });
}

void DownlinkRegistry::stop() {
  std::vector<std::future<void>> done;
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    auto promise = std::make_shared<std::promise<void>>();
    done.push_back(promise->get_future());
    asio::post(*loops_[i], [this, i, promise] {
      tables_[i].sweep_timer->cancel();
      for (auto& [client, downlink] : tables_[i].downlinks) downlink->close();
      tables_[i].downlinks.clear();
      promise->set_value();
    });
  }
  for (auto& future : done) future.wait();
}

}  // namespace tandem::server
