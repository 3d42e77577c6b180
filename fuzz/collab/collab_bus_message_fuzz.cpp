// Arbitrary bytes as a bus message from another node (a hint that a buggy or hostile peer may
// send): decoding never crashes, a refusal has a code and a message, and whatever decodes
// encodes to a message that decodes to the same thing: ops compare by what the op decoder makes
// of them (the same op, or refused both times), and the encoding is stable after one round (an
// op's JSON is passed on as parsed and re-serialised).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "collab/bus_message.hpp"
#include "fuzz_require.hpp"
#include "ot/op_json.hpp"

namespace {

constexpr std::size_t kMaxBytes = 64u << 10;

bool same(const tandem::collab::BusMessage& a, const tandem::collab::BusMessage& b) {
  using namespace tandem::collab;
  if (a.index() != b.index()) return false;
  if (const auto* ops = std::get_if<BusOps>(&a)) {
    const auto& other = std::get<BusOps>(b).ops;
    if (ops->ops.size() != other.size()) return false;
    for (std::size_t i = 0; i < other.size(); ++i) {
      const auto& x = ops->ops[i];
      const auto& y = other[i];
      if (x.version != y.version || x.client != y.client || x.seq != y.seq ||
          x.time_ms != y.time_ms) {
        return false;
      }
      auto op_x = tandem::ot::decode_op(x.op_json);
      auto op_y = tandem::ot::decode_op(y.op_json);
      if (op_x.ok() != op_y.ok() || (op_x.ok() && op_x.value() != op_y.value())) return false;
    }
    return true;
  }
  if (const auto* head = std::get_if<BusHead>(&a)) return head->head == std::get<BusHead>(b).head;
  if (const auto* presence = std::get_if<BusPresence>(&a)) {
    const auto& other = std::get<BusPresence>(b);
    return presence->client == other.client && presence->version == other.version &&
           presence->state.selections == other.state.selections &&
           presence->state.name == other.state.name && presence->state.color == other.state.color;
  }
  return std::get<BusGone>(a).client == std::get<BusGone>(b).client;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tandem::collab;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto decoded = decode_bus_message(input, kMaxBytes);
  if (!decoded.ok()) {
    require(!decoded.error().code_name().empty() && !decoded.error().message.empty());
    return 0;
  }
  if (const auto* ops = std::get_if<BusOps>(&decoded.value())) {
    require(!ops->ops.empty());
    for (std::size_t i = 1; i < ops->ops.size(); ++i) {
      require(ops->ops[i].version == ops->ops[i - 1].version + 1);
    }
  }
  const std::string encoded = encode_bus_message(decoded.value());
  auto again = decode_bus_message(encoded, kMaxBytes * 2);
  require(again.ok());
  const std::string reencoded = encode_bus_message(again.value());
  auto third = decode_bus_message(reencoded, kMaxBytes * 2);
  require(third.ok() && same(decoded.value(), again.value()) && same(again.value(), third.value()));
  require(encode_bus_message(third.value()) == reencoded);
  return 0;
}
