#include "bench/client_factory.hpp"

#include "bench/poll_client.hpp"
#include "bench/sharedb_client.hpp"
#include "bench/socketio_client.hpp"
#include "bench/sse_client.hpp"
#include "bench/websocket_client.hpp"

namespace tandem::bench {

std::shared_ptr<BenchClient> make_client(TargetKind target, TransportKind transport,
                                         LoopContext& loop, ClientPlan plan) {
  switch (target) {
    case TargetKind::kShareDb:
      return std::make_shared<ShareDbClient>(loop, std::move(plan));
    case TargetKind::kSocketIo:
      return std::make_shared<SocketIoClient>(loop, std::move(plan),
                                              transport == TransportKind::kPoll);
    case TargetKind::kTandem:
      break;
  }
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
