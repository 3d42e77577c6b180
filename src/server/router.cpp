#include "server/router.hpp"

#include "server/json_error.hpp"

#include <fmt/format.h>

#include <utility>

namespace tandem::server {

std::string_view target_path(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

ResponseGenerator finish_response(const Request& request, Response&& response) {
  response.keep_alive(response.keep_alive() && request.keep_alive());
  response.prepare_payload();
  if (request.method() == http::verb::head) {
    const auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
  return ResponseGenerator{std::move(response)};
}

namespace {

AsyncHandler answer_at_once(Handler handler) {
  return [handler = std::move(handler)](const Request& request, const RequestContext& context,
                                        const Responder& respond) {
    respond(handler(request, context));
  };
}

}  // namespace

void Router::add(http::verb method, std::string path, Handler handler) {
  routes_.push_back(Route{method, std::move(path), false, answer_at_once(std::move(handler))});
}

void Router::add_async(http::verb method, std::string path, AsyncHandler handler) {
  routes_.push_back(Route{method, std::move(path), false, std::move(handler)});
}

void Router::add_prefix(http::verb method, std::string prefix, Handler handler) {
  routes_.push_back(Route{method, std::move(prefix), true, answer_at_once(std::move(handler))});
}

void Router::add_prefix_async(http::verb method, std::string prefix, AsyncHandler handler) {
  routes_.push_back(Route{method, std::move(prefix), true, std::move(handler)});
}

void Router::add_upgrade(UpgradeRoute route) { upgrades_.push_back(std::move(route)); }

void Router::add_stream(UpgradeRoute route) { streams_.push_back(std::move(route)); }

const UpgradeRoute* Router::find_stream(std::string_view path) const {
  for (const UpgradeRoute& route : streams_) {
    if (route.path == path) return &route;
  }
  return nullptr;
}

const UpgradeRoute* Router::find_upgrade(std::string_view path) const {
  for (const UpgradeRoute& route : upgrades_) {
    if (route.path == path) return &route;
  }
  return nullptr;
}

void Router::dispatch(const Request& request, const RequestContext& context,
                      const Responder& respond) const {
  const std::string_view path = target_path(request.target());
  const http::verb method =
      request.method() == http::verb::head ? http::verb::get : request.method();

  const Route* exact = nullptr;
  const Route* best_prefix = nullptr;
  std::string allowed;
  for (const Route& route : routes_) {
    const bool matches = route.prefix ? path.starts_with(route.path) : path == route.path;
    if (!matches) continue;
    if (route.method != method) {
      if (!allowed.empty()) allowed += ", ";
      allowed += std::string(http::to_string(route.method));
      continue;
    }
    if (!route.prefix) {
      exact = &route;
      break;
    }
    if (best_prefix == nullptr || route.path.size() > best_prefix->path.size()) {
      best_prefix = &route;
    }
  }
  if (const Route* chosen = exact != nullptr ? exact : best_prefix) {
    return chosen->handler(request, context, respond);
  }
  if (!allowed.empty()) {
    Response response = make_json_error(
        http::status::method_not_allowed, "method_not_allowed",
        fmt::format("{} is not allowed on {}", std::string_view(request.method_string()), path),
        request.version());
    response.set(http::field::allow, allowed);
    return respond(finish_response(request, std::move(response)));
  }
  respond(finish_response(
      request, make_json_error(http::status::not_found, "not_found",
                               fmt::format("No resource at {}", path), request.version())));
}

}  // namespace tandem::server
