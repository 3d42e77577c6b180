#pragma once

#include "proto/error.hpp"
#include "server/http_types.hpp"

#include <string_view>

namespace tandem::server {

// Every HTTP error carries {"error":{"code":...,"message":...}} so clients can branch on the code.
Response make_json_error(http::status status, std::string_view code, std::string_view message,
                         unsigned version = 11, bool keep_alive = true);

// The HTTP status that carries a protocol error code on the HTTP endpoints.
http::status status_for(proto::ErrorCode code);

// A JSON body with the headers every API response shares.
Response make_json_response(http::status status, std::string body, unsigned version,
                            bool keep_alive);

}  // namespace tandem::server
