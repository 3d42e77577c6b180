#include "server/probe_route.hpp"

#include "server/json_error.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <string>

namespace tandem::server {
namespace {

// Headers that show what a proxy changed; each is echoed as received, or null.
constexpr const char* kEchoed[] = {"Upgrade",
                                   "Connection",
                                   "Via",
                                   "Forwarded",
                                   "X-Forwarded-For",
                                   "X-Forwarded-Proto",
                                   "X-Forwarded-Host",
                                   "X-Forwarded-Server",
                                   "X-Real-IP",
                                   "Host"};
constexpr std::size_t kMaxEchoedBytes = 512;

ResponseGenerator answer_probe(const Request& request, const RequestContext&) {
  boost::json::object body;
  body["http_version"] =
      std::to_string(request.version() / 10) + "." + std::to_string(request.version() % 10);
  boost::json::object headers;
  for (const char* name : kEchoed) {
    const std::string_view value = request[name];
    if (value.empty()) {
      headers[name] = nullptr;
    } else {
      headers[name] = value.substr(0, kMaxEchoedBytes);
    }
  }
  body["headers"] = std::move(headers);
  Response response = make_json_response(http::status::ok, boost::json::serialize(body),
                                         request.version(), request.keep_alive());
  response.set(http::field::cache_control, "no-store");
  return finish_response(request, std::move(response));
}

}  // namespace

void add_probe_route(Router& router) {
  // Also under /v1/ws/, which a proxy routes like the WebSocket endpoint itself.
  router.add(http::verb::get, "/v1/probe", answer_probe);
  router.add(http::verb::get, "/v1/ws/probe", answer_probe);
}

}  // namespace tandem::server
