#include "bench/sse_event_parser.hpp"

namespace tandem::bench {

void SseEventParser::take_line(std::string_view line) {
  if (line.front() == ':') return;  // a comment: padding or heartbeat
  const std::size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
  } else if (field == "id") {
    // An id with NUL is ignored, as the standard says.
    if (value.find('\0') == std::string_view::npos) last_id_.assign(value);
  }
}

}  // namespace tandem::bench
