#pragma once

#include "server/http_query.hpp"
#include "server/http_transports.hpp"

#include <string>
#include <variant>

namespace tandem::server {

// A downlink request (poll or SSE) that passed every check.
struct DownlinkAdmission {
  DownlinkQuery query;
  Permissions permissions;
  std::string credentials;  // the bearer token, so a cached downlink is reused by its owner only
  AdmissionTicket ticket;   // the per-IP slot, held while the request is
};

// The checks every downlink request passes, in the order a client can act on: origin, the
// per-IP and server-wide limits on held requests, the query, the token, access to each document.
std::variant<Response, DownlinkAdmission> admit_downlink(const Request& request,
                                                         const RequestContext& context,
                                                         HttpTransportEnvironment& environment);

// Adds Access-Control-Allow-Origin for an allowed cross-origin request.
void add_cors_headers(const Request& request, Response& response);

}  // namespace tandem::server
