#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace tandem::server {

// gzip (RFC 1952) with zlib. One-shot for bodies; streaming with a sync flush per write for SSE,
// so every event reaches the client whole even though the stream never ends.
class GzipStream {
 public:
  GzipStream();
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  // Compresses `input` and flushes, appending to `out`.
  void write(std::string_view input, std::string& out);
  // Ends the gzip member (trailer), appending to `out`.
  void finish(std::string& out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string gzip(std::string_view input);

// True when the Accept-Encoding header allows gzip (and does not forbid it with q=0).
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace tandem::server
