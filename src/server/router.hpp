#pragma once

#include "server/http_types.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::server {

using Handler = std::function<ResponseGenerator(const Request&, const RequestContext&)>;

// Maps (method, path) to a handler. Exact paths win over prefixes; the longest prefix wins
// among prefixes. HEAD is served by the GET handler (see finish_response).
class Router {
 public:
  void add(http::verb method, std::string path, Handler handler);
  void add_prefix(http::verb method, std::string prefix, Handler handler);

  ResponseGenerator dispatch(const Request& request, const RequestContext& context) const;

 private:
  struct Route {
    http::verb method;
    std::string path;
    bool prefix;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// The path of a request target without its query string.
std::string_view target_path(std::string_view target);

// Applies keep-alive from the request and drops the body of HEAD answers (keeping its length).
ResponseGenerator finish_response(const Request& request, Response&& response);

}  // namespace tandem::server
