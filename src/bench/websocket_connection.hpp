#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "bench/loop_context.hpp"

namespace tandem::bench {

// The WebSocket under a bench client, whichever server it talks to: connects from the run's
// next source address, upgrades on `path`, reads text messages for as long as it is open and
// writes queued messages one at a time. No permessage-deflate: the servers measured send small
// messages, and inflating in the generator would only cost the generator.
//
// It lives inside its client; every pending operation holds the client's `owner` pointer, so
// the handlers (which point back into the client) never outlive it.
class WebSocketConnection {
 public:
  struct Handlers {
    std::function<void()> opened;                         // the upgrade succeeded
    std::function<void(std::string_view)> message;        // one text or binary message
    std::function<void(const std::string& code)> failed;  // connect, upgrade, read or write
  };

  WebSocketConnection(LoopContext& loop, ServerTarget& server);

  // `subprotocol` empty: none asked for.
  void open(std::shared_ptr<void> owner, std::string path, std::string subprotocol,
            Handlers handlers);
  void send(std::string message);
  // Abrupt: a clean close of thousands of clients would only slow the end of a run.
  void close();

 private:
  void handshake();
  void read_next();
  void write_next();

  LoopContext& loop_;
  ServerTarget& server_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<void> owner_;
  std::string path_;
  std::string subprotocol_;
  Handlers handlers_;
  std::deque<std::string> outbox_;
  bool open_ = false;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace tandem::bench
