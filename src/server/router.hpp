#pragma once

#include "server/connection.hpp"
#include "server/http_types.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tandem::server {

// Answers at once.
using Handler = std::function<ResponseGenerator(const Request&, const RequestContext&)>;
// Answers later (a held poll, a document read on another loop) through the Responder.
using AsyncHandler = std::function<void(const Request&, const RequestContext&, const Responder&)>;

// Whatever an admitted upgrade must hold on to for its lifetime (a per-IP connection slot).
using AdmissionTicket = std::shared_ptr<void>;

// A connection handed over by the HTTP layer after an upgrade request (WebSocket).
struct UpgradeRequest {
  Request request;
  boost::beast::tcp_stream stream;
  RequestContext context;
  LoopConnections& connections;
  AdmissionTicket ticket;
};

struct UpgradeRoute {
  std::string path;
  // A refusal answered over plain HTTP (403 for a foreign Origin...), or a ticket to go on.
  std::function<std::variant<Response, AdmissionTicket>(const Request&, const RequestContext&)>
      admit;
  std::function<void(UpgradeRequest&&)> accept;
};

// Maps (method, path) to a handler. Exact paths win over prefixes; the longest prefix wins
// among prefixes. HEAD is served by the GET handler (see finish_response).
class Router {
 public:
  void add(http::verb method, std::string path, Handler handler);
  void add_async(http::verb method, std::string path, AsyncHandler handler);
  void add_prefix(http::verb method, std::string prefix, Handler handler);
  void add_prefix_async(http::verb method, std::string prefix, AsyncHandler handler);
  void add_upgrade(UpgradeRoute route);
  // A GET whose answer is a long-lived stream written by the route itself (SSE).
  void add_stream(UpgradeRoute route);

  void dispatch(const Request& request, const RequestContext& context,
                const Responder& respond) const;
  const UpgradeRoute* find_upgrade(std::string_view path) const;
  const UpgradeRoute* find_stream(std::string_view path) const;

 private:
  struct Route {
    http::verb method;
    std::string path;
    bool prefix;
    AsyncHandler handler;
  };
  std::vector<Route> routes_;
  std::vector<UpgradeRoute> upgrades_;
  std::vector<UpgradeRoute> streams_;
};

// The path of a request target without its query string.
std::string_view target_path(std::string_view target);

// Applies keep-alive from the request and drops the body of HEAD answers (keeping its length).
ResponseGenerator finish_response(const Request& request, Response&& response);

}  // namespace tandem::server
