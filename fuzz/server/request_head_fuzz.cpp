// Request heads: arbitrary bytes through Beast's parser, then the smuggling checks
// (check_request_head, has_obs_fold) and the Host allowlist never crash; a head they let
// through has unambiguous framing (no Content-Length with Transfer-Encoding, chunked alone),
// and an allowed Host is an IP literal, localhost or an entry.

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server/request_framing.hpp"
#include "server/security/host_policy.hpp"

// Last: its require() macro would clash with Asio's require() in the headers above.
#include "fuzz_require.hpp"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const bool folded = tandem::server::has_obs_fold(raw);
  require(folded == tandem::server::has_obs_fold(raw));  // a function of the bytes

  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(raw.data(), raw.size()), ec);
  if (ec || !parser.is_header_done()) return 0;
  const auto& head = parser.get();

  static const auto hosts =
      tandem::server::security::HostPolicy::parse({"notes.example.com", "*.corp.example"}, true)
          .value();
  const std::string_view host = head[http::field::host];
  if (hosts.allows(host) && !host.empty()) {
    // Allowed names are few: whatever passed names one of them, localhost, or an address.
    std::string lower(host);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool plausible = lower.find("localhost") != std::string::npos ||
                           lower.find("example") != std::string::npos ||
                           lower.find_first_of("0123456789") != std::string::npos;
    require(plausible);
  }

  if (tandem::server::check_request_head(head)) return 0;
  const bool has_length = head.count(http::field::content_length) > 0;
  const bool has_coding = head.count(http::field::transfer_encoding) > 0;
  require(!(has_length && has_coding));       // never both
  if (has_coding) require(parser.chunked());  // the only coding let through is chunked
  if (head.version() >= 11) require(head.count(http::field::host) == 1);
  require(head.count(http::field::content_type) <= 1);
  return 0;
}
