// Op JSON codec: arbitrary bytes never crash the decoder; whatever decodes re-encodes to text
// that decodes to the same op (decode -> encode -> decode round trip), by both entry points.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "fuzz_require.hpp"
#include "ot/op_json.hpp"
#include "ot/utf8.hpp"
#include "ot/validate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tandem::ot;
  Limits limits;
  limits.max_json_bytes = 1 << 16;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto decoded = decode_op(text, limits);
  if (!decoded) {
    require(!decoded.error().code_name().empty() && !decoded.error().message.empty());
    return 0;
  }
  const Op& op = *decoded;
  require(check_op(op, limits).ok());
  const std::string encoded = encode_op(op);
  require(is_valid_utf8(encoded));
  auto again = decode_op(encoded, limits);
  require(again.ok() && *again == op);
  require(encode_op(*again) == encoded);
  auto from_value = op_from_json(op_to_json(op), limits);
  require(from_value.ok() && *from_value == op);
  require(boost::json::serialize(op_to_json(op)) ==
          boost::json::serialize(boost::json::parse(encoded)));
  require(is_normalized(op) && normalize(op) == op);
  // Kept as sent, the op has the same effect and merges to the default decoding.
  auto kept = decode_op(text, limits, Boundaries::kKeep);
  require(kept.ok() && normalize(*kept) == op);
  auto kept_again = decode_op(encode_op(*kept), limits, Boundaries::kKeep);
  require(kept_again.ok() && *kept_again == *kept);
  return 0;
}
