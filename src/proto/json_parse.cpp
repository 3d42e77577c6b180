#include "proto/json_parse.hpp"

#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <string>
#include <utility>

#include "ot/op_json.hpp"
#include "ot/utf8.hpp"

namespace tandem::proto {

Result<boost::json::value> parse_json(std::string_view text, std::size_t max_bytes,
                                      std::size_t max_depth, boost::json::storage_ptr storage) {
  if (text.size() > max_bytes) {
    return make_error(ErrorCode::kMessageTooLarge, "message is " + std::to_string(text.size()) +
                                                       " bytes, limit is " +
                                                       std::to_string(max_bytes));
  }
  // Our own pass names the offending byte, where Boost would only report a syntax error.
  if (auto utf8 = ot::validate_utf8(text); !utf8) {
    return from_ot(utf8.error(), "message");
  }
  boost::json::parse_options options;
  options.max_depth = max_depth;
  options.allow_invalid_utf8 = true;  // already checked, and more strictly (no surrogates)
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec, std::move(storage), options);
  if (!ec) return value;
  if (ec == boost::json::error::too_deep) {
    return make_error(ErrorCode::kTooDeep,
                      "message nests deeper than " + std::to_string(max_depth) + " levels");
  }
  if (ot::has_lone_surrogate_escape(text)) {
    return make_error(ErrorCode::kLoneSurrogate,
                      "message: unpaired UTF-16 surrogate escape in a string");
  }
  return make_error(ErrorCode::kBadJson, "message is not valid JSON: " + ec.message());
}

}  // namespace tandem::proto
