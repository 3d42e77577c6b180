#include "server/request_framing.hpp"

#include "server/ascii_case.hpp"

#include <boost/beast/http/field.hpp>

#include <cstddef>
#include <vector>

namespace tandem::server {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The codings of every Transfer-Encoding line, in order (several lines form one list).
std::vector<std::string_view> transfer_codings(const Request& head) {
  std::vector<std::string_view> codings;
  for (auto [it, end] = head.equal_range(http::field::transfer_encoding); it != end; ++it) {
    std::string_view list = it->value();
    while (true) {
      const std::size_t comma = list.find(',');
      const std::string_view item = trim(list.substr(0, comma));
      // Parameters (";q=...") belong to the coding before them.
      const std::string_view coding = trim(item.substr(0, item.find(';')));
      if (!coding.empty() || item.empty()) codings.push_back(coding);
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  return codings;
}

HeadRefusal refuse(http::status status, std::string_view code, std::string message) {
  return HeadRefusal{status, code, std::move(message)};
}

}  // namespace

std::optional<HeadRefusal> check_request_head(const Request& head) {
  const bool has_transfer_encoding = head.count(http::field::transfer_encoding) > 0;
  if (has_transfer_encoding && head.count(http::field::content_length) > 0) {
    return refuse(http::status::bad_request, "ambiguous_length",
                  "a request may not carry both Content-Length and Transfer-Encoding");
  }
  if (has_transfer_encoding) {
    if (head.version() < 11) {
      return refuse(http::status::bad_request, "bad_transfer_encoding",
                    "Transfer-Encoding is not allowed in an HTTP/1.0 request");
    }
    const auto codings = transfer_codings(head);
    if (codings.empty() || !ascii_iequals(codings.back(), "chunked")) {
      return refuse(http::status::bad_request, "bad_transfer_encoding",
                    "the last transfer coding of a request must be chunked");
    }
    if (codings.size() != 1) {
      return refuse(http::status::not_implemented, "unsupported_transfer_coding",
                    "chunked is the only transfer coding this server implements");
    }
  }
  if (head.version() >= 11 && head.count(http::field::host) != 1) {
    return refuse(http::status::bad_request, "bad_host",
                  "an HTTP/1.1 request needs exactly one Host header");
  }
  if (head.count(http::field::content_type) > 1) {
    return refuse(http::status::bad_request, "duplicate_header",
                  "a request may carry one Content-Type header");
  }
  return std::nullopt;
}

bool has_obs_fold(std::string_view raw_head) {
  // The request line cannot be folded, and the head ends at the first empty line.
  const std::size_t end = raw_head.find("\r\n\r\n");
  if (end != std::string_view::npos) raw_head = raw_head.substr(0, end + 2);
  for (std::size_t at = raw_head.find("\r\n"); at != std::string_view::npos;
       at = raw_head.find("\r\n", at + 2)) {
    if (at + 2 < raw_head.size() && (raw_head[at + 2] == ' ' || raw_head[at + 2] == '\t')) {
      return true;
    }
  }
  return false;
}

}  // namespace tandem::server
