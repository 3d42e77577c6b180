#pragma once

#include "doctor/link.hpp"

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace tandem::doctor {

struct HttpRequestSpec {
  std::string method = "GET";
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// The request as bytes on the wire (HTTP/1.1, Host from the target).
std::string format_request(const Target& target, const HttpRequestSpec& spec);

// Reads one HTTP response from a link, however it is framed (length, chunked, until close), and
// lets the caller stop early (a stream) once what it waits for has arrived.
class HttpResponseReader {
 public:
  using Response = boost::beast::http::response<boost::beast::http::string_body>;
  using Until = std::function<bool(const HttpResponseReader&)>;

  HttpResponseReader();
  // Reads until `until` holds, the response is complete, or the deadline passes.
  Result<void, LinkFailure> read(Link& link, Millis timeout, const Until& until = {});

  bool header_done() const { return parser_.is_header_done(); }
  bool done() const { return parser_.is_done(); }
  const Response& response() const { return parser_.get(); }
  std::string_view body() const { return parser_.get().body(); }
  // Bytes received past the response (e.g. WebSocket frames after a 101).
  std::string& leftover() { return pending_; }
  Millis first_byte{-1};

 private:
  Result<void, LinkFailure> feed();
  boost::beast::http::response_parser<boost::beast::http::string_body> parser_;
  std::string pending_;
};

}  // namespace tandem::doctor
