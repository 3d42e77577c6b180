#include "server/access_control.hpp"

#include "server/json_error.hpp"
#include "server/security/access_token.hpp"

#include <fmt/format.h>

#include <memory>
#include <stdexcept>
#include <utility>

namespace tandem::server {

namespace {

security::TrustedProxies parse_proxies(const std::vector<std::string>& cidrs) {
  auto parsed = security::TrustedProxies::parse(cidrs);
  if (!parsed.ok()) throw std::invalid_argument("trusted-proxy: " + parsed.error());
  return std::move(parsed.value());
}

security::HostPolicy parse_hosts(const AccessControlOptions& options,
                                 const security::OriginPolicy& origins) {
  const bool enforced = !options.allow_hosts.empty() || options.listens_on_loopback;
  auto parsed = security::HostPolicy::parse(options.allow_hosts, enforced);
  if (!parsed.ok()) throw std::invalid_argument("allow-host: " + parsed.error());
  // An operator who listed their public origin need not list its host again.
  for (const std::string& origin : origins.allowed()) {
    parsed.value().add_name(security::origin_host(origin));
  }
  return std::move(parsed.value());
}

}  // namespace

AccessControl::AccessControl(AccessControlOptions options)
    : options_(std::move(options)),
      origins_(options_.allow_origins),
      hosts_(parse_hosts(options_, origins_)),
      proxies_(parse_proxies(options_.trusted_proxies)),
      limiter_(options_.max_connections_per_ip) {}

std::optional<std::string> bearer_token(const Request& request) {
  const std::string_view header = request[http::field::authorization];
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() || !header.starts_with(kBearer)) return std::nullopt;
  return std::string(header.substr(kBearer.size()));
}

boost::asio::ip::address AccessControl::client_address(const Request& request,
                                                       const boost::asio::ip::address& peer) const {
  return security::client_address(peer, request["X-Forwarded-For"], request[http::field::forwarded],
                                  proxies_);
}

bool AccessControl::origin_allowed(const Request& request,
                                   const boost::asio::ip::address& peer) const {
  // Behind a TLS-terminating proxy the browser's origin is https although we see http; only a
  // trusted proxy is believed about that.
  const bool tls = security::forwarded_tls(peer, request["X-Forwarded-Proto"],
                                           request[http::field::forwarded], proxies_);
  return origins_.allows(request[http::field::origin], request[http::field::host], tls);
}

std::optional<HeadRefusal> AccessControl::screen_host(const Request& head) const {
  const std::string_view host = head[http::field::host];
  if (hosts_.allows(host)) return std::nullopt;
  return HeadRefusal{
      http::status::misdirected_request, "host_not_allowed",
      fmt::format("this server does not answer for host {}; add it to --allow-host", host)};
}

std::variant<Permissions, proto::ErrorMessage> AccessControl::authorize(
    const std::optional<std::string>& token) const {
  if (!tokens_required()) return Permissions::everything();
  auto refuse = [](std::string message) {
    return proto::ErrorMessage{proto::ErrorCode::kUnauthorized, std::move(message), std::nullopt,
                               std::nullopt, true};
  };
  if (!token || token->empty()) return refuse("an access token is required");
  auto grant =
      security::verify_access_token(*token, options_.auth_secret, std::chrono::system_clock::now());
  if (!grant.ok()) {
    return refuse(fmt::format("access token refused ({}): {}", grant.error().code_name(),
                              grant.error().message));
  }
  auto shared = std::make_shared<const security::AccessGrant>(std::move(grant.value()));
  Permissions permissions;
  permissions.access_for = [shared](std::string_view doc) { return shared->access_for(doc); };
  permissions.display_name = shared->name;
  // The same end as the verifier's, so a token it accepts is not refused a moment later.
  // Dates past what the nanosecond clock holds (exp may be up to year 9999) never come.
  const std::chrono::sys_seconds until = security::token_valid_until(shared->expires);
  constexpr auto kLatest =
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::time_point::max());
  if (until < kLatest) permissions.expires = std::chrono::system_clock::time_point(until);
  return permissions;
}

std::variant<Permissions, proto::ErrorMessage> AccessControl::authorize(
    const Request& request) const {
  return authorize(bearer_token(request));
}

std::variant<Response, AdmissionTicket> AccessControl::admit(const Request& request,
                                                             const RequestContext& context) {
  if (!origin_allowed(request, context.remote.address())) {
    return make_json_error(http::status::forbidden, "origin_not_allowed",
                           fmt::format("origin {} may not connect; see --allow-origin",
                                       std::string_view(request[http::field::origin])),
                           request.version(), false);
  }
  auto lease = limiter_.acquire(context.client);
  if (!lease) {
    Response refusal = make_json_error(
        http::status::too_many_requests, "too_many_connections",
        fmt::format("at most {} connections per client address", options_.max_connections_per_ip),
        request.version(), false);
    refusal.set(http::field::retry_after, "5");
    return refusal;
  }
  return std::static_pointer_cast<void>(
      std::make_shared<security::ConnectionLimiter::Lease>(std::move(*lease)));
}

}  // namespace tandem::server
