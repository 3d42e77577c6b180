#include "bench/sse_client.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

#include "bench/tcp_connect.hpp"

namespace tandem::bench {

namespace beast = boost::beast;
namespace http = beast::http;

SseClient::SseClient(LoopContext& loop, ClientPlan plan)
    : HttpClient(loop, std::move(plan)), socket_(loop.io), retry_timer_(loop.io) {}

void SseClient::open() {
  open_uplink();
  connect();
}

void SseClient::connect() {
  boost::system::error_code ignored;
  socket_.close(ignored);
  connect_from_next_source(
      server(), socket_, [self = shared_from_this(), this](boost::system::error_code ec) {
        if (stopped()) return;
        if (ec) return reopen("sse_" + connect_error_name(ec), std::chrono::milliseconds(200));
        loop().stats.connected.add();
        read_head();
      });
}

void SseClient::read_head() {
  request_ = "GET /v1/sse?client=" + plan().client_id + "&sub=" + subscription() +
             " HTTP/1.1\r\nHost: " + server().target.host_header +
             "\r\nAccept: text/event-stream\r\n";
  if (!last_event_id_.empty()) request_ += "Last-Event-ID: " + last_event_id_ + "\r\n";
  request_ += "\r\n";
  boost::asio::async_write(
      socket_, boost::asio::buffer(request_),
      [self = shared_from_this(), this](boost::system::error_code ec, std::size_t) {
        if (stopped()) return;
        if (ec) return reopen("sse_write_failed", std::chrono::milliseconds(200));
        head_buffer_.clear();
        head_.emplace();
        http::async_read_header(
            socket_, head_buffer_, *head_, [self, this](beast::error_code read_ec, std::size_t) {
              if (stopped()) return;
              if (read_ec) return reopen("sse_read_failed", std::chrono::milliseconds(200));
              const unsigned status = head_->get().result_int();
              if (status != 200) {
                return reopen("http_" + std::to_string(status), std::chrono::milliseconds(500));
              }
              events_ = SseEventParser();
              chunked_.reset();
              if (head_->get().chunked()) chunked_.emplace();
              // Whatever came after the head is the start of the stream.
              const auto rest = head_buffer_.cdata();
              const bool ok =
                  feed(std::string_view(static_cast<const char*>(rest.data()), rest.size()));
              head_buffer_.consume(head_buffer_.size());
              if (ok && !stopped()) read_events();
            });
      });
}

void SseClient::read_events() {
  socket_.async_read_some(
      boost::asio::buffer(chunk_),
      [self = shared_from_this(), this](boost::system::error_code ec, std::size_t bytes) {
        if (stopped()) return;
        if (ec) {
          // The server ends streams after their lifetime or byte budget: resume.
          loop().stats.reconnects.add();
          return reopen(ec == boost::asio::error::eof ? "" : "sse_read_failed",
                        std::chrono::milliseconds(0));
        }
        count_frame();
        if (feed(std::string_view(chunk_.data(), bytes)) && !stopped()) read_events();
      });
}

bool SseClient::feed(std::string_view bytes) {
  if (chunked_) {
    decoded_.clear();
    const auto result = chunked_->feed(bytes, decoded_);
    if (result == ChunkedDecoder::Result::kMalformed) {
      reopen("sse_bad_chunk", std::chrono::milliseconds(200));
      return false;
    }
    if (!feed_events(decoded_)) return false;
    if (result == ChunkedDecoder::Result::kEnd) {
      // The server ended the stream on purpose (lifetime or byte cap): resume.
      loop().stats.reconnects.add();
      reopen("", std::chrono::milliseconds(0));
      return false;
    }
    return true;
  }
  return feed_events(bytes);
}

bool SseClient::feed_events(std::string_view bytes) {
  const bool ok = events_.feed(bytes, [this](std::string_view data, std::string_view id) {
    last_event_id_.assign(id);
    if (!stopped()) handle_frame(data, false);
  });
  if (!ok) reopen("sse_event_too_large", std::chrono::milliseconds(200));
  return ok;
}

void SseClient::reopen(const std::string& error, std::chrono::milliseconds delay) {
  if (!error.empty()) fail(error);
  boost::system::error_code ignored;
  socket_.close(ignored);
  retry_timer_.expires_after(delay);
  retry_timer_.async_wait([self = shared_from_this(), this](const boost::system::error_code& ec) {
    if (!ec && !stopped()) connect();
  });
}

void SseClient::close() {
  retry_timer_.cancel();
  boost::system::error_code ignored;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  HttpClient::close();
}

}  // namespace tandem::bench
