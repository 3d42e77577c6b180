#include "bench/tcp_connect.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/errc.hpp>

namespace tandem::bench {

void connect_from_next_source(ServerTarget& server, boost::asio::ip::tcp::socket& socket,
                              std::function<void(boost::system::error_code)> done) {
  namespace asio = boost::asio;
  const auto& target = server.target;
  auto source = server.addresses.next();
  boost::system::error_code ec;
  if (!source) {
    ec = boost::system::errc::make_error_code(boost::system::errc::address_not_available);
  } else {
    const auto protocol = target.address.is_v4() ? asio::ip::tcp::v4() : asio::ip::tcp::v6();
    socket.open(protocol, ec);
    if (!ec) {
      // The port is picked at connect() from the whole 4-tuple, not at bind(), so every source
      // address gets its own ~28,000 ports (Linux 4.2+).
      const int on = 1;
      ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
      socket.bind(asio::ip::tcp::endpoint(*source, 0), ec);
    }
  }
  if (ec) {
    asio::post(socket.get_executor(), [done = std::move(done), ec] { done(ec); });
    return;
  }
  socket.async_connect(
      asio::ip::tcp::endpoint(target.address, target.port),
      [&socket, done = std::move(done)](const boost::system::error_code& connect_ec) {
        if (!connect_ec) {
          boost::system::error_code ignored;
          socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        }
        done(connect_ec);
      });
}

}  // namespace tandem::bench

namespace tandem::bench {

std::string connect_error_name(const boost::system::error_code& ec) {
  if (ec == boost::system::errc::address_not_available) return "out_of_source_addresses";
  if (ec == boost::asio::error::connection_refused) return "connect_refused";
  if (ec == boost::system::errc::too_many_files_open) return "too_many_open_files";
  return "connect_failed";
}

}  // namespace tandem::bench
