#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <array>
#include <optional>
#include <string>

#include "bench/chunked_decoder.hpp"
#include "bench/http_client.hpp"
#include "bench/sse_event_parser.hpp"

namespace tandem::bench {

// A bench client on the SSE downlink: GET /v1/sse?client=ID&sub=DOC@V, one message per event.
// When the server ends the stream (sse-max-lifetime, sse-max-bytes) it reconnects with
// Last-Event-ID, as a browser does, and resumes from the version it reached.
class SseClient final : public HttpClient {
 public:
  SseClient(LoopContext& loop, ClientPlan plan);

 protected:
  void open() override;
  void close() override;

 private:
  void connect();
  void read_head();
  void read_events();
  // Counts `error` (unless empty) and connects again after `delay`.
  void reopen(const std::string& error, std::chrono::milliseconds delay);
  // Takes bytes of the body as they arrive (decoding chunks); false when the stream was given
  // up or ended (and a reconnect scheduled).
  bool feed(std::string_view bytes);
  bool feed_events(std::string_view bytes);

  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer head_buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::empty_body>> head_;
  std::string request_;
  std::array<char, 16384> chunk_{};
  // The server chunks streams for HTTP/1.1 requests; the events are in the chunks' data.
  std::optional<ChunkedDecoder> chunked_;
  std::string decoded_;
  SseEventParser events_;
  std::string last_event_id_;
  boost::asio::steady_timer retry_timer_;
};

}  // namespace tandem::bench
