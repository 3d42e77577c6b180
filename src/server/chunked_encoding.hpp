#pragma once

#include <string>
#include <string_view>

namespace tandem::server {

// HTTP/1.1 chunked transfer coding (RFC 9112 §7.1), for responses that stream without a length.
// Proxies forward a chunked stream chunk by chunk; a close-delimited one some hold back (Varnish).

// Appends `data` to `wire` as one chunk; nothing for empty data (an empty chunk ends the body).
void append_chunk(std::string_view data, std::string& wire);

// The last chunk with no trailers: the body ends here.
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace tandem::server
