#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "bench/http_connection.hpp"
#include "bench/tandem_client.hpp"

namespace tandem::bench {

// What the two HTTP modes share: the uplink, POST /v1/send on its own keep-alive connection
// (a hello first, then one op per request, as one op is in flight at a time), and the
// handling of refused downlink requests. Readers never post: they need no uplink connection.
class HttpClient : public TandemClient {
 public:
  HttpClient(LoopContext& loop, ClientPlan plan);

 protected:
  void send_message(std::string message, std::uint64_t seq) override;
  void close() override;
  // Opens the uplink with a hello when this client writes.
  void open_uplink();
  // A downlink answer that is not 200: counted by status and code; true when the request may
  // be retried (429, 503), with the delay the server asked for.
  bool refused(const HttpConnection::Response& response, std::chrono::milliseconds& retry_after);
  HttpConnection::Request downlink_request(const std::string& path) const;

 private:
  void post(std::string body, std::uint64_t seq);
  void post_next();

  std::shared_ptr<HttpConnection> uplink_;
  std::deque<std::pair<std::string, std::uint64_t>> outbox_;  // body, seq (0: hello)
  bool posting_ = false;
};

}  // namespace tandem::bench
