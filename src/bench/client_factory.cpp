#include "bench/client_factory.hpp"

#include "bench/poll_client.hpp"
#include "bench/sse_client.hpp"
#include "bench/websocket_client.hpp"

namespace tandem::bench {

std::shared_ptr<BenchClient> make_client(TransportKind transport, LoopContext& loop,
                                         ClientPlan plan) {
  switch (transport) {
    case TransportKind::kSse:
      return std::make_shared<SseClient>(loop, std::move(plan));
    case TransportKind::kPoll:
      return std::make_shared<PollClient>(loop, std::move(plan));
    case TransportKind::kWebSocket:
      break;
  }
  return std::make_shared<WebSocketClient>(loop, std::move(plan));
}

}  // namespace tandem::bench
