#include "server/downlink_admission.hpp"

#include "server/json_error.hpp"

namespace tandem::server {

void add_cors_headers(const Request& request, Response& response) {
  const std::string_view origin = request[http::field::origin];
  // Only reached after the origin check passed; echoing it lets an allowed page read the answer.
  if (origin.empty()) return;
  response.set(http::field::access_control_allow_origin, origin);
  // Without this a cross-origin page could not read them (they are not CORS-safelisted).
  response.set(http::field::access_control_expose_headers, "X-Tandem-More, Retry-After");
  response.set(http::field::vary, "Origin");
}

std::variant<Response, DownlinkAdmission> admit_downlink(const Request& request,
                                                         const RequestContext& context,
                                                         HttpTransportEnvironment& environment) {
  auto refuse = [&request](http::status status, std::string_view code, std::string_view message) {
    Response response = make_json_error(status, code, message, request.version());
    return response;
  };
  environment.proxy_signals.observe_transport_request(request);
  auto admission = environment.access.admit(request, context);
  if (auto* refusal = std::get_if<Response>(&admission)) {
    if (!environment.access.origin_allowed(request, context.remote.address())) {
      const bool sse = request.target().starts_with("/v1/sse");
      environment.metrics.origin_refused(sse ? proto::Transport::kSse : proto::Transport::kPoll);
    }
    return std::move(*refusal);
  }
  if (environment.held.load(std::memory_order_relaxed) >= environment.options.max_held) {
    Response response = refuse(http::status::service_unavailable, "overloaded",
                               "too many held requests; retry shortly");
    response.set(http::field::retry_after, "2");
    return response;
  }

  auto query = parse_downlink_query(request.target(), environment.protocol.max_docs);
  if (!query.ok()) {
    return refuse(status_for(query.error().code), proto::error_code_name(query.error().code),
                  query.error().message);
  }
  auto permissions = environment.access.authorize(request);
  if (auto* error = std::get_if<proto::ErrorMessage>(&permissions)) {
    return refuse(status_for(error->code), proto::error_code_name(error->code), error->message);
  }
  for (const DownlinkSubscription& subscription : query->subscriptions) {
    if (std::get<Permissions>(permissions).access_for(subscription.doc) == Access::kNone) {
      return refuse(http::status::forbidden, "forbidden",
                    "the access token does not grant access to " + subscription.doc);
    }
  }
  return DownlinkAdmission{std::move(query.value()), std::move(std::get<Permissions>(permissions)),
                           bearer_token(request).value_or(""),
                           std::move(std::get<AdmissionTicket>(admission))};
}

}  // namespace tandem::server
