#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tandem::bench {

// The text/event-stream format (WHATWG HTML §9.2) as a bench client needs it: events are
// dispatched with their data (several data lines joined by "\n") and the last id seen;
// comments, retry and unknown fields are skipped. Lines end in "\n" or "\r\n".
class SseEventParser {
 public:
  explicit SseEventParser(std::size_t max_event_bytes = std::size_t{64} << 20)
      : max_event_bytes_(max_event_bytes) {}

  // Consumes bytes as they arrive and calls on_event(std::string_view data, std::string_view
  // last_id) for each complete event. False once an event grows beyond max_event_bytes; the
  // parser is then unusable.
  template <class OnEvent>
  bool feed(std::string_view bytes, OnEvent&& on_event) {
    if (failed_) return false;
    pending_.append(bytes);
    std::size_t start = 0;
    for (;;) {
      const std::size_t end = pending_.find('\n', start);
      if (end == std::string::npos) break;
      std::string_view line(pending_.data() + start, end - start);
      start = end + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) {
        if (has_data_) on_event(std::string_view(data_), std::string_view(last_id_));
        data_.clear();
        has_data_ = false;
        continue;
      }
      take_line(line);
    }
    pending_.erase(0, start);
    if (pending_.size() + data_.size() > max_event_bytes_) failed_ = true;
    return !failed_;
  }

  const std::string& last_id() const { return last_id_; }

 private:
  void take_line(std::string_view line);

  std::size_t max_event_bytes_;
  std::string pending_;  // bytes after the last complete line
  std::string data_;
  std::string last_id_;
  bool has_data_ = false;
  bool failed_ = false;
};

}  // namespace tandem::bench
