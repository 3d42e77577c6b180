#include "bench/poll_client.hpp"

namespace tandem::bench {

PollClient::PollClient(LoopContext& loop, ClientPlan plan)
    : HttpClient(loop, std::move(plan)), retry_timer_(loop.io) {}

void PollClient::open() {
  downlink_ = std::make_shared<HttpConnection>(loop(), server());
  open_uplink();
  poll();
}

void PollClient::poll() {
  if (stopped()) return;
  downlink_->send(downlink_request("/v1/poll"),
                  [self = shared_from_this(), this](const std::string& error,
                                                    HttpConnection::Response& response) {
                    if (stopped()) return;
                    std::chrono::milliseconds delay{0};
                    if (!error.empty()) {
                      fail("poll_" + error);
                      delay = std::chrono::milliseconds(500);
                    } else if (response.result_int() != 200) {
                      if (!refused(response, delay)) return;  // not worth retrying
                    } else {
                      handle_frame(response.body());
                    }
                    if (delay.count() == 0) return poll();
                    retry_timer_.expires_after(delay);
                    retry_timer_.async_wait([self, this](const boost::system::error_code& ec) {
                      if (!ec) poll();
                    });
                  });
}

void PollClient::close() {
  retry_timer_.cancel();
  if (downlink_) downlink_->close();
  HttpClient::close();
}

}  // namespace tandem::bench
