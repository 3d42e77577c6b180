#include "server/health.hpp"

#include "server/json_error.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <utility>

namespace tandem::server {

void Readiness::add_check(std::string name, Check check) {
  std::lock_guard lock(mutex_);
  checks_.emplace_back(std::move(name), std::move(check));
}

std::vector<Readiness::Failure> Readiness::failures() const {
  std::vector<Failure> result;
  if (draining()) result.push_back({"draining", "the server is shutting down"});
  std::lock_guard lock(mutex_);
  for (const auto& [name, check] : checks_) {
    if (auto reason = check()) result.push_back({name, std::move(*reason)});
  }
  return result;
}

void add_health_routes(Router& router, const Readiness& readiness) {
  router.add(http::verb::get, "/healthz", [](const Request& request, const RequestContext&) {
    return finish_response(request, make_json_response(http::status::ok, R"({"status":"ok"})",
                                                       request.version(), true));
  });
  router.add(
      http::verb::get, "/readyz", [&readiness](const Request& request, const RequestContext&) {
        const auto failures = readiness.failures();
        if (failures.empty()) {
          return finish_response(request,
                                 make_json_response(http::status::ok, R"({"status":"ready"})",
                                                    request.version(), true));
        }
        boost::json::array failing;
        for (const auto& failure : failures) {
          failing.push_back({{"check", failure.check}, {"reason", failure.reason}});
        }
        boost::json::value body = {{"status", "not_ready"}, {"failing", failing}};
        return finish_response(
            request, make_json_response(http::status::service_unavailable,
                                        boost::json::serialize(body), request.version(), true));
      });
}

}  // namespace tandem::server
