#include "server/hung_upgrade.hpp"

#include <boost/asio/buffer.hpp>

#include <chrono>
#include <utility>

namespace tandem::server {

namespace {
// Long past any client deadline, short enough that a forgotten probe does not linger.
constexpr auto kHoldLimit = std::chrono::seconds(120);
}  // namespace

HungUpgrade::HungUpgrade(UpgradeRequest&& upgrade)
    : stream_(std::move(upgrade.stream)),
      registration_(upgrade.connections, this),
      ticket_(std::move(upgrade.ticket)) {}

void HungUpgrade::start() {
  stream_.expires_after(kHoldLimit);
  read_until_closed();
}

// Bytes the client sends are dropped; the read ends when it closes the socket or at the limit.
void HungUpgrade::read_until_closed() {
  stream_.async_read_some(boost::asio::buffer(discard_),
                          [self = shared_from_this()](boost::beast::error_code ec, std::size_t) {
                            if (!ec) self->read_until_closed();
                          });
}

void HungUpgrade::begin_shutdown() { force_close(); }

void HungUpgrade::force_close() {
  boost::beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace tandem::server
