#pragma once

#include "server/http_types.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tandem::server {

// Why a request head is refused before its body is read; the connection then closes, because
// where this request ends (and the next begins) is not known for sure.
struct HeadRefusal {
  http::status status;
  std::string_view code;
  std::string message;
};

// Refuses a request head whose framing or meaning a proxy in front could read differently
// (request smuggling, RFC 9112 §6.1 and §6.3): Content-Length together with Transfer-Encoding
// (ambiguous_length), a Transfer-Encoding whose last coding is not chunked or on HTTP/1.0
// (bad_transfer_encoding), a coding other than chunked (501 unsupported_transfer_coding),
// HTTP/1.1 without exactly one Host (bad_host), and two Content-Type headers (duplicate_header).
std::optional<HeadRefusal> check_request_head(const Request& head);

// Whether the raw bytes of a request head (request line to the empty line) continue a header
// line on the next (obs-fold, RFC 9112 §5.2): Boost.Beast unfolds such lines silently, and a
// proxy may not, so they are refused instead.
bool has_obs_fold(std::string_view raw_head);

}  // namespace tandem::server
