#include "bench/sharedb_client.hpp"

#include "bench/sharedb_protocol.hpp"

namespace tandem::bench {

namespace {
constexpr std::string_view kCollection = "docs";
}

ShareDbClient::ShareDbClient(LoopContext& loop, ClientPlan plan)
    : BenchClient(loop, std::move(plan)), connection_(loop, server()) {
  tolerate_reordering();
}

void ShareDbClient::open() {
  connection_.send(sharedb_subscribe(kCollection, plan().doc_id));
  connection_.open(shared_from_this(), "/", "",
                   {.opened = [] {},
                    .message = [this](std::string_view text) { handle_message(text); },
                    .failed = [this](const std::string& code) { fail(code); }});
}

void ShareDbClient::send_op(const TypingOp& op) {
  connection_.send(
      sharedb_submit(kCollection, plan().doc_id, op.base_version, op.seq, op.position, op.letter));
}

void ShareDbClient::close() { connection_.close(); }

void ShareDbClient::handle_message(std::string_view text) {
  if (stopped()) return;
  const std::int64_t now = now_ns();
  count_frame();
  auto message = parse_sharedb_message(text);
  if (!message) return fail("bad_frame");
  switch (message->kind) {
    case ShareDbMessage::Kind::kSnapshot:
      return snapshot_received(*message->version, message->text_length);
    case ShareDbMessage::Kind::kOp:
    case ShareDbMessage::Kind::kAck:
      if (message->doc != plan().doc_id) return fail("unexpected_message");
      return op_received(*message->version, message->kind == ShareDbMessage::Kind::kAck,
                         message->seq, now);
    case ShareDbMessage::Kind::kError:
      if (message->action == "op") return op_refused(message->seq.value_or(0), message->error_code);
      return fail(message->error_code);
    case ShareDbMessage::Kind::kInit:
    case ShareDbMessage::Kind::kOther:
      return;
  }
}

}  // namespace tandem::bench
