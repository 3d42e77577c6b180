#pragma once

#include <boost/asio/steady_timer.hpp>

#include <memory>

#include "bench/http_client.hpp"

namespace tandem::bench {

// A bench client on the long-poll downlink: GET /v1/poll?client=ID&sub=DOC@V on a keep-alive
// connection, and the next poll from the version reached as soon as an answer is in
// (docs/protocol.md §12).
class PollClient final : public HttpClient {
 public:
  PollClient(LoopContext& loop, ClientPlan plan);

 protected:
  void open() override;
  void close() override;

 private:
  void poll();

  std::shared_ptr<HttpConnection> downlink_;
  boost::asio::steady_timer retry_timer_;
};

}  // namespace tandem::bench
