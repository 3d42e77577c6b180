#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <functional>
#include <string>

#include "bench/loop_context.hpp"

namespace tandem::bench {

// Opens `socket` from the next source address towards `server` (see SourceAddresses) and
// connects it to that server. `done` gets the connect's error, or address_not_available when the
// source addresses are used up. TCP_NODELAY is set: protocol messages are small and latency counts.
void connect_from_next_source(ServerTarget& server, boost::asio::ip::tcp::socket& socket,
                              std::function<void(boost::system::error_code)> done);

// The error code a connect failure is counted under (connect_refused, out_of_source_addresses,
// too_many_open_files, connect_failed).
std::string connect_error_name(const boost::system::error_code& ec);

}  // namespace tandem::bench
