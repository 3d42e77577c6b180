#include "server/http_transports.hpp"

#include "proto/decode_client.hpp"
#include "proto/encode_server.hpp"
#include "proto/identifiers.hpp"
#include "server/ascii_case.hpp"
#include "server/downlink_admission.hpp"
#include "server/gzip_stream.hpp"
#include "server/json_error.hpp"
#include "server/sse_stream.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <mutex>

namespace tandem::server {

namespace asio = boost::asio;

namespace {

// Finishes an answer: CORS for allowed cross-origin pages (never for refused ones), gzip when
// it pays, never cached.
ResponseGenerator finish_transport_response(const Request& request, Response&& response,
                                            const HttpTransportOptions& options,
                                            bool origin_allowed) {
  if (origin_allowed) add_cors_headers(request, response);
  response.set(http::field::cache_control, "no-store, no-transform");
  if (response.body().size() >= options.gzip_threshold &&
      accepts_gzip(request[http::field::accept_encoding])) {
    response.body() = gzip(response.body());
    response.set(http::field::content_encoding, "gzip");
  }
  response.set(http::field::vary, "Origin, Accept-Encoding");
  return finish_response(request, std::move(response));
}

// True for `application/json`, in any case, with or without parameters (RFC 9110 §8.3.1).
bool is_json_media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return ascii_iequals(type, "application/json");
}

// ---- GET /v1/poll ------------------------------------------------------------------------

void handle_poll(const Request& request, const RequestContext& context, const Responder& respond,
                 HttpTransportEnvironment& environment) {
  auto admitted = admit_downlink(request, context, environment);
  if (auto* refusal = std::get_if<Response>(&admitted)) {
    const bool origin_allowed =
        environment.access.origin_allowed(request, context.remote.address());
    return respond(finish_transport_response(request, std::move(*refusal), environment.options,
                                             origin_allowed));
  }
  auto admission =
      std::make_shared<DownlinkAdmission>(std::move(std::get<DownlinkAdmission>(admitted)));
  environment.held.fetch_add(1, std::memory_order_relaxed);
  environment.metrics.opened(proto::Transport::kPoll);
  // A client that leaves mid-hold, at the same age again and again, is a proxy's read timeout.
  respond.on_peer_gone(
      [&environment, proxy = describe_proxy(request), started = std::chrono::steady_clock::now()] {
        const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        environment.proxy_signals.held_poll_abandoned(age, environment.options.poll_hold, proxy);
      });
  // Only what the answer needs is kept: the request itself is gone when the batch is ready.
  auto reply = std::make_shared<Request>();
  reply->version(request.version());
  reply->keep_alive(request.keep_alive());
  reply->method(request.method());
  for (const char* field : {"Origin", "Accept-Encoding"}) {
    if (!request[field].empty()) reply->set(field, request[field]);
  }
  // A client's polls arrive on whichever connection is free; they are served on the loop that
  // holds its downlink, so its subscriptions (and presence) survive the hop.
  const std::size_t loop =
      environment.downlinks.owner_loop(admission->query.client).value_or(context.loop);
  asio::post(*environment.loops[loop], [&environment, respond, reply, admission, loop,
                                        address = context.client] {
    auto downlink = environment.downlinks.acquire(
        loop, admission->query.client, admission->credentials, admission->query.subscriptions,
        admission->permissions, address);
    downlink->wait(environment.options.poll_hold, environment.options.poll_max_bytes,
                   [&environment, respond, reply, admission](const HttpDownlink::Batch& batch) {
                     environment.held.fetch_sub(1, std::memory_order_relaxed);
                     environment.metrics.closed(proto::Transport::kPoll);
                     if (batch.refusal) {
                       // The token expired during the hold: the same 401 as a poll with it.
                       Response refusal = make_json_error(
                           status_for(batch.refusal->code),
                           proto::error_code_name(batch.refusal->code), batch.refusal->message,
                           reply->version(), reply->keep_alive());
                       return respond(finish_transport_response(*reply, std::move(refusal),
                                                                environment.options, true));
                     }
                     std::string body = "[";
                     for (const PendingFrame& pending : batch.frames) {
                       if (body.size() > 1) body.push_back(',');
                       body += *pending.frame.json;
                     }
                     body.push_back(']');
                     Response response = make_json_response(http::status::ok, std::move(body),
                                                            reply->version(), reply->keep_alive());
                     // More: frames over the byte limit, or snapshots still to come.
                     const bool more = batch.more || batch.snapshots_awaited;
                     response.set("X-Tandem-More", more ? "1" : "0");
                     respond(finish_transport_response(*reply, std::move(response),
                                                       environment.options, true));
                   });
  });
}

// ---- POST /v1/send -----------------------------------------------------------------------

// The answers of one POST, filled in as its messages settle (ops settle on their documents'
// loops); the response goes out when the last one has.
struct SendResults {
  SendResults(Responder responder, const HttpTransportOptions& transport_options)
      : respond(std::move(responder)), options(&transport_options) {}

  std::mutex mutex;
  boost::json::array results;
  std::size_t outstanding = 0;
  Responder respond;
  Request reply;
  const HttpTransportOptions* options;

  void settle(std::size_t index, boost::json::object result) {
    std::unique_lock lock(mutex);
    results[index] = std::move(result);
    finish(lock);
  }
  // Called once after every message was looked at (the "+ 1" in outstanding).
  void all_seen() {
    std::unique_lock lock(mutex);
    finish(lock);
  }

 private:
  void finish(std::unique_lock<std::mutex>& lock) {
    if (--outstanding != 0) return;
    Response response = make_json_response(
        http::status::ok, boost::json::serialize(boost::json::object{{"results", results}}),
        reply.version(), reply.keep_alive());
    // An op to resend later (the store is down, a queue is full): say when in the standard
    // header too, for proxies and clients that read only that.
    std::int64_t retry_ms = 0;
    for (const boost::json::value& result : results) {
      if (const auto* retry = result.as_object().if_contains("retry_ms");
          retry != nullptr && retry->is_int64()) {
        retry_ms = std::max(retry_ms, retry->get_int64());
      }
    }
    if (retry_ms > 0)
      response.set(http::field::retry_after, std::to_string((retry_ms + 999) / 1000));
    lock.unlock();
    respond(finish_transport_response(reply, std::move(response), *options, true));
  }
};

boost::json::object refusal(proto::ErrorCode code, std::string_view message,
                            std::optional<std::chrono::milliseconds> retry = std::nullopt) {
  boost::json::object result{
      {"ok", false}, {"code", proto::error_code_name(code)}, {"message", message}};
  if (retry) result["retry_ms"] = retry->count();
  return result;
}

void handle_send(const Request& request, const RequestContext& context, const Responder& respond,
                 HttpTransportEnvironment& environment) {
  const bool origin_allowed = environment.access.origin_allowed(request, context.remote.address());
  auto refuse = [&](http::status status, std::string_view code, std::string_view message) {
    respond(finish_transport_response(request,
                                      make_json_error(status, code, message, request.version()),
                                      environment.options, origin_allowed));
  };
  if (!origin_allowed) {
    return refuse(http::status::forbidden, "origin_not_allowed",
                  "this origin may not use the server; see --allow-origin");
  }
  // CSRF: a custom header and a JSON content type can only come from a page the CORS preflight
  // allowed, never from a plain cross-site form.
  const auto client_header = request.find("X-Tandem-Client");
  if (client_header == request.end()) {
    return refuse(http::status::forbidden, "csrf_header_required",
                  "POST /v1/send needs an X-Tandem-Client header with the client id (CSRF "
                  "protection)");
  }
  const std::string client(client_header->value());
  if (!proto::is_valid_client_id(client)) {
    return refuse(http::status::bad_request, "bad_client_id",
                  "X-Tandem-Client: client ids are 1-64 characters of A-Z a-z 0-9 _ -");
  }
  if (!is_json_media_type(request[http::field::content_type])) {
    return refuse(http::status::unsupported_media_type, "bad_content_type",
                  "POST /v1/send takes Content-Type: application/json");
  }
  auto permissions = environment.access.authorize(request);
  if (auto* error = std::get_if<proto::ErrorMessage>(&permissions)) {
    return refuse(status_for(error->code), proto::error_code_name(error->code), error->message);
  }
  const Permissions& allowed = std::get<Permissions>(permissions);
  auto batch = proto::decode_client_batch(request.body(), environment.protocol.limits);
  if (!batch.ok()) {
    return refuse(status_for(batch.error().code), proto::error_code_name(batch.error().code),
                  batch.error().message);
  }

  auto results = std::make_shared<SendResults>(respond, environment.options);
  results->results.resize(batch->size());
  results->outstanding = batch->size() + 1;  // + 1 until every message was looked at
  results->reply.version(request.version());
  results->reply.keep_alive(request.keep_alive());
  results->reply.method(request.method());
  for (const char* field : {"Origin", "Accept-Encoding"}) {
    if (!request[field].empty()) results->reply.set(field, request[field]);
  }

  for (std::size_t i = 0; i < batch->size(); ++i) {
    auto& decoded = (*batch)[i];
    if (!decoded.ok()) {
      results->settle(i, refusal(decoded.error().code, decoded.error().message));
      continue;
    }
    std::visit(
        [&](auto& message) {
          using M = std::decay_t<decltype(message)>;
          if constexpr (std::is_same_v<M, proto::Hello>) {
            if (message.client != client) {
              return results->settle(
                  i, refusal(proto::ErrorCode::kBadClientId,
                             "hello.client differs from the X-Tandem-Client header"));
            }
            // The uplink serves both HTTP modes: the report says which downlink the client uses.
            environment.metrics.hello(
                message.negotiation ? message.negotiation->transport : proto::Transport::kUnknown,
                message.negotiation ? &*message.negotiation : nullptr);
            if (message.negotiation) {
              spdlog::debug("client {} negotiated: {}", client, message.negotiation->json);
            }
            proto::Welcome welcome{
                client,
                static_cast<std::uint64_t>(environment.protocol.heartbeat.count()),
                {environment.protocol.limits.max_message_bytes, environment.protocol.max_docs,
                 environment.protocol.max_op_bytes},
                environment.protocol.server_name};
            results->settle(i,
                            {{"ok", true}, {"reply", boost::json::parse(proto::encode(welcome))}});
          } else if constexpr (std::is_same_v<M, proto::Ping>) {
            results->settle(
                i, {{"ok", true},
                    {"reply", boost::json::parse(proto::encode(proto::Pong{message.id}))}});
          } else if constexpr (std::is_same_v<M, proto::Subscribe>) {
            results->settle(i, refusal(proto::ErrorCode::kBadMessage,
                                       "over HTTP, subscriptions are named in the downlink URL "
                                       "(sub=DOC@N)"));
          } else if constexpr (std::is_same_v<M, proto::Unsubscribe>) {
            // A page going away says so, and others see it leave now rather than when its
            // downlink expires; with no downlink there is nothing to leave.
            environment.downlinks.post_to(
                client, [doc = message.doc](HttpDownlink& downlink) { downlink.leave(doc); });
            results->settle(i, {{"ok", true}});
          } else if constexpr (std::is_same_v<M, proto::SubmitOp>) {
            const Access access = allowed.access_for(message.doc);
            if (access != Access::kWrite) {
              return results->settle(
                  i, refusal(access == Access::kRead ? proto::ErrorCode::kReadOnly
                                                     : proto::ErrorCode::kForbidden,
                             "the access token does not allow editing " + message.doc));
            }
            // No connection object carries an HTTP client: its address is what is limited.
            AddressLimiters* per_address = environment.protocol.per_address;
            if (per_address != nullptr) {
              if (const auto wait = per_address->ops.take(context.client); wait.count() > 0) {
                FloodCounters::count(per_address->counters.ops_rate_limited);
                return results->settle(
                    i, refusal(proto::ErrorCode::kRateLimited,
                               "too many ops; resend this one after retry_ms", wait));
              }
            }
            collab::CreationCheck may_create;
            if (per_address != nullptr) may_create = per_address->creation_check(context.client);
            environment.collaboration.submit(
                message.doc, nullptr, client, message.base_version, message.seq,
                std::move(message.op),
                [results, i](const collab::SubmitResult& result) {
                  using Status = collab::SubmitResult::Status;
                  if (result.status == Status::kRejected) {
                    return results->settle(i, refusal(result.error, result.message, result.retry));
                  }
                  boost::json::object ok{{"ok", true}, {"v", result.version}};
                  if (result.status == Status::kDuplicate) ok["duplicate"] = true;
                  results->settle(i, std::move(ok));
                },
                std::move(may_create));
          } else if constexpr (std::is_same_v<M, proto::PresenceUpdate>) {
            // Presence belongs to the client's downlink, on whichever loop it lives.
            const std::string doc = message.doc;
            const bool delivered = environment.downlinks.post_to(
                client, [presence = std::move(message)](HttpDownlink& downlink) mutable {
                  downlink.session().handle(std::move(presence));
                });
            if (!delivered) {
              return results->settle(
                  i, refusal(proto::ErrorCode::kNotSubscribed,
                             "presence needs an open downlink (poll or SSE) for " + doc));
            }
            results->settle(i, {{"ok", true}});
          }
        },
        decoded.value());
  }
  results->all_seen();
}

// ---- CORS preflight ------------------------------------------------------------------------

ResponseGenerator handle_preflight(const Request& request, const RequestContext& context,
                                   HttpTransportEnvironment& environment) {
  if (!environment.access.origin_allowed(request, context.remote.address())) {
    return finish_response(
        request, make_json_error(http::status::forbidden, "origin_not_allowed",
                                 "this origin may not use the server", request.version()));
  }
  Response response{http::status::no_content, request.version()};
  response.set(http::field::server, "tandem");
  add_cors_headers(request, response);
  response.set(http::field::access_control_allow_methods, "GET, POST");
  response.set(http::field::access_control_allow_headers,
               "Authorization, Content-Type, X-Tandem-Client, Last-Event-ID");
  response.set(http::field::access_control_max_age, "600");
  return finish_response(request, std::move(response));
}

}  // namespace

void add_http_transport_routes(Router& router, HttpTransportEnvironment& environment) {
  router.add_async(http::verb::get, "/v1/poll",
                   [&environment](const Request& request, const RequestContext& context,
                                  const Responder& respond) {
                     handle_poll(request, context, respond, environment);
                   });
  router.add_async(http::verb::post, "/v1/send",
                   [&environment](const Request& request, const RequestContext& context,
                                  const Responder& respond) {
                     handle_send(request, context, respond, environment);
                   });
  for (const char* path : {"/v1/poll", "/v1/send", "/v1/sse"}) {
    router.add(http::verb::options, path,
               [&environment](const Request& request, const RequestContext& context) {
                 return handle_preflight(request, context, environment);
               });
  }
  router.add_stream(sse_route(environment));
}

}  // namespace tandem::server
