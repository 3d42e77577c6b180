#pragma once

#include <chrono>
#include <cstddef>

namespace tandem::server {

// Bounds on what one HTTP connection may cost the server.
struct HttpLimits {
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  std::size_t max_body_bytes = std::size_t{1024} * 1024;
  // From the first byte of a request until its last header line.
  std::chrono::milliseconds header_timeout{10'000};
  // For the request body and for writing a response to a client that reads slowly.
  std::chrono::milliseconds body_timeout{30'000};
  // How long a keep-alive connection may sit between requests.
  std::chrono::milliseconds idle_timeout{60'000};
};

}  // namespace tandem::server
