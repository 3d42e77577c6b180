#include "server/json_error.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <utility>

namespace tandem::server {

Response make_json_response(http::status status, std::string body, unsigned version,
                            bool keep_alive) {
  Response response{status, version};
  response.set(http::field::server, "tandem");
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Response make_json_error(http::status status, std::string_view code, std::string_view message,
                         unsigned version, bool keep_alive) {
  boost::json::value body = {{"error", {{"code", code}, {"message", message}}}};
  return make_json_response(status, boost::json::serialize(body), version, keep_alive);
}

http::status status_for(proto::ErrorCode code) {
  switch (code) {
    case proto::ErrorCode::kUnauthorized:
      return http::status::unauthorized;
    case proto::ErrorCode::kForbidden:
      return http::status::forbidden;
    case proto::ErrorCode::kOverloaded:
      return http::status::service_unavailable;
    case proto::ErrorCode::kMessageTooLarge:
      return http::status::payload_too_large;
    default:
      return http::status::bad_request;
  }
}

}  // namespace tandem::server
