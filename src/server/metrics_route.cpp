#include "server/metrics_route.hpp"

#include <utility>

namespace tandem::server {

void add_metrics_route(Router& router, std::vector<MetricsSource> sources) {
  router.add(http::verb::get, "/metrics",
             [sources = std::move(sources)](const Request& request, const RequestContext&) {
               std::string body;
               for (const MetricsSource& source : sources) source(body);
               Response response(http::status::ok, request.version());
               response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
               response.set(http::field::cache_control, "no-store");
               response.keep_alive(request.keep_alive());
               response.body() = std::move(body);
               response.prepare_payload();
               return finish_response(request, std::move(response));
             });
}

}  // namespace tandem::server
