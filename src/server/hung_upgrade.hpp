#pragma once

#include "server/connection.hpp"
#include "server/router.hpp"

#include <boost/beast/core/tcp_stream.hpp>

#include <array>
#include <memory>

namespace tandem::server {

// Test-only (`test-websocket-upgrade = hang`): holds a WebSocket upgrade request without ever
// answering it, the way a broken proxy does, until the client gives up or the server stops.
class HungUpgrade : public Connection, public std::enable_shared_from_this<HungUpgrade> {
 public:
  explicit HungUpgrade(UpgradeRequest&& upgrade);

  void start();
  void begin_shutdown() override;
  void force_close() override;

 private:
  void read_until_closed();

  boost::beast::tcp_stream stream_;
  ConnectionRegistration registration_;
  AdmissionTicket ticket_;
  std::array<char, 512> discard_{};
};

}  // namespace tandem::server
