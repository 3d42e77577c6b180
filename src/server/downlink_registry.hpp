#pragma once

#include "server/http_downlink.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace tandem::server {

struct DownlinkOptions {
  // How long a downlink waits for its client's next request before it leaves its documents.
  std::chrono::milliseconds grace{10'000};
  // Frames a downlink may buffer for a client that does not come back for them.
  std::size_t max_buffered_bytes = std::size_t{8} << 20;
};

// The HTTP downlinks of every loop, by client id. Each loop's table is touched only from that
// loop, so a client's requests reuse its downlink when they land on the same loop (one
// keep-alive connection does); elsewhere a fresh one starts from the request's versions.
class DownlinkRegistry {
 public:
  DownlinkRegistry(std::vector<boost::asio::io_context*> loops,
                   collab::Collaboration& collaboration, const ProtocolConfig& protocol,
                   DownlinkOptions options, WritePacers& pacers);
  ~DownlinkRegistry();

  // On `loop`: the cached downlink when the request continues exactly where it left off, else
  // a fresh one subscribed from the request's versions (replacing the cached one).
  std::shared_ptr<HttpDownlink> acquire(std::size_t loop, const std::string& client,
                                        const std::string& credentials,
                                        const std::vector<DownlinkSubscription>& subscriptions,
                                        const Permissions& permissions,
                                        const boost::asio::ip::address& address);
  // The loop holding the client's downlink, if it has one.
  std::optional<std::size_t> owner_loop(const std::string& client);
  // Runs `fn` on the loop of the client's downlink, with it; false when the client has none
  // (presence sent by POST goes through the client's downlink, wherever it lives).
  bool post_to(const std::string& client, std::function<void(HttpDownlink&)> fn);

  void start();
  // Closes every downlink; blocks until each loop has done it.
  void stop();

 private:
  struct LoopTable {
    std::unordered_map<std::string, std::shared_ptr<HttpDownlink>> downlinks;
    std::unique_ptr<boost::asio::steady_timer> sweep_timer;
  };
  void sweep(std::size_t loop);
  void forget(std::size_t loop, const std::string& client);

  std::vector<boost::asio::io_context*> loops_;
  WritePacers& pacers_;
  collab::Collaboration& collaboration_;
  const ProtocolConfig& protocol_;
  DownlinkOptions options_;
  std::vector<LoopTable> tables_;
  // Which loop holds each client's downlink, for requests that arrive on another loop.
  std::mutex owners_mutex_;
  std::unordered_map<std::string, std::size_t> owners_;
};

}  // namespace tandem::server
