#include "bench/http_client.hpp"

#include <boost/json/parse.hpp>

#include <charconv>

#include "proto/encode_client.hpp"

namespace tandem::bench {

namespace http = boost::beast::http;

HttpClient::HttpClient(LoopContext& loop, ClientPlan plan) : TandemClient(loop, std::move(plan)) {}

void HttpClient::open_uplink() {
  if (plan().role != ClientPlan::Role::kWriter) return;
  uplink_ = std::make_shared<HttpConnection>(loop(), server());
  post("[" + proto::encode(proto::Hello{plan().client_id, std::nullopt, std::nullopt}) + "]", 0);
}

void HttpClient::send_message(std::string message, std::uint64_t seq) {
  if (!uplink_) return op_refused(seq, "no_uplink");
  post("[" + message + "]", seq);
}

void HttpClient::post(std::string body, std::uint64_t seq) {
  outbox_.emplace_back(std::move(body), seq);
  post_next();
}

void HttpClient::post_next() {
  if (posting_ || outbox_.empty() || stopped()) return;
  posting_ = true;
  HttpConnection::Request request{http::verb::post, "/v1/send", 11};
  request.set(http::field::content_type, "application/json");
  request.set("X-Tandem-Client", plan().client_id);
  request.body() = outbox_.front().first;
  const std::uint64_t seq = outbox_.front().second;
  uplink_->send(std::move(request), [self = shared_from_this(), this, seq](
                                        const std::string& error,
                                        HttpConnection::Response& response) {
    posting_ = false;
    if (stopped()) return;
    outbox_.pop_front();
    if (!error.empty()) {
      op_refused(seq, "uplink_" + error);
    } else if (response.result_int() != 200) {
      std::chrono::milliseconds ignored{};
      refused(response, ignored);
      if (seq != 0) op_refused(seq, "uplink_refused");
    } else {
      boost::system::error_code ec;
      const auto answer = boost::json::parse(response.body(), ec);
      const auto* results =
          ec || !answer.is_object() ? nullptr : answer.as_object().if_contains("results");
      const auto* first = results != nullptr && results->is_array() && !results->as_array().empty()
                              ? results->as_array()[0].if_object()
                              : nullptr;
      if (first == nullptr) {
        op_refused(seq, "bad_send_answer");
      } else if (const auto* ok = first->if_contains("ok");
                 ok == nullptr || !ok->is_bool() || !ok->get_bool()) {
        const auto* code = first->if_contains("code");
        op_refused(seq, code != nullptr && code->is_string() ? std::string(code->get_string())
                                                             : "refused");
      }
      // An accepted op is confirmed by the downlink, in stream order.
    }
    post_next();
  });
}

bool HttpClient::refused(const HttpConnection::Response& response,
                         std::chrono::milliseconds& retry_after) {
  const unsigned status = response.result_int();
  std::string code;
  boost::system::error_code ec;
  const auto body = boost::json::parse(response.body(), ec);
  if (!ec && body.is_object()) {
    if (const auto* error = body.as_object().if_contains("error"); error && error->is_object()) {
      if (const auto* c = error->as_object().if_contains("code"); c && c->is_string()) {
        code = c->get_string();
      }
    }
  }
  fail("http_" + std::to_string(status) + (code.empty() ? "" : "_" + code));
  const bool retry = status == 429 || status == 503;
  retry_after = std::chrono::milliseconds(500);
  if (retry) {
    unsigned seconds = 0;
    const std::string_view header = response[http::field::retry_after];
    if (std::from_chars(header.data(), header.data() + header.size(), seconds).ec == std::errc{}) {
      retry_after = std::chrono::milliseconds(std::min(seconds, 5u) * 1000);
    }
  }
  return retry;
}

HttpConnection::Request HttpClient::downlink_request(const std::string& path) const {
  HttpConnection::Request request{
      http::verb::get, path + "?client=" + plan().client_id + "&sub=" + subscription(), 11};
  return request;
}

void HttpClient::close() {
  if (uplink_) uplink_->close();
}

}  // namespace tandem::bench
