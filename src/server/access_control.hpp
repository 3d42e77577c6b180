#pragma once

#include "server/protocol_session.hpp"
#include "server/request_framing.hpp"
#include "server/router.hpp"
#include "server/security/client_address.hpp"
#include "server/security/connection_limiter.hpp"
#include "server/security/host_policy.hpp"
#include "server/security/origin_policy.hpp"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace tandem::server {

struct AccessControlOptions {
  std::string auth_secret;  // empty: no tokens, everyone may read and write everything
  std::vector<std::string> allow_origins;
  std::vector<std::string> trusted_proxies;
  std::size_t max_connections_per_ip = 256;
  // Host names besides IP literals and localhost; empty: see listens_on_loopback.
  std::vector<std::string> allow_hosts;
  // With no allow_hosts, the Host check is on for a loopback listener (DNS rebinding reaches
  // those from a browser on the same machine) and off otherwise (a public server's operator
  // would otherwise have to name the public host before upgrading).
  bool listens_on_loopback = true;
};

// The security defaults of DESIGN.md §5 in one place, shared by every transport: who the client
// is behind trusted proxies, which origins may connect, what a token allows, and how many
// long-lived connections one address may hold.
class AccessControl {
 public:
  // Throws std::invalid_argument naming a bad origin or CIDR: configuration time only.
  explicit AccessControl(AccessControlOptions options);

  // The client's address: the peer, or what a trusted proxy says the peer is.
  boost::asio::ip::address client_address(const Request& request,
                                          const boost::asio::ip::address& peer) const;
  bool origin_allowed(const Request& request, const boost::asio::ip::address& peer) const;
  // 421 host_not_allowed for a Host outside the allowlist (DNS rebinding), on every route.
  std::optional<HeadRefusal> screen_host(const Request& head) const;
  bool checks_host() const { return hosts_.checks(); }
  // Whether `peer` is a trusted proxy (its TCP connections carry many clients).
  bool trusts_proxy(const boost::asio::ip::address& peer) const { return proxies_.contains(peer); }
  // Permissions from a token (a hello's, or an Authorization: Bearer header's).
  std::variant<Permissions, proto::ErrorMessage> authorize(
      const std::optional<std::string>& token) const;
  std::variant<Permissions, proto::ErrorMessage> authorize(const Request& request) const;
  // For long-lived connections: the slot to hold, or the 403/429 refusal.
  std::variant<Response, AdmissionTicket> admit(const Request& request,
                                                const RequestContext& context);

  bool tokens_required() const { return !options_.auth_secret.empty(); }

 private:
  AccessControlOptions options_;
  security::OriginPolicy origins_;
  security::HostPolicy hosts_;
  security::TrustedProxies proxies_;
  security::ConnectionLimiter limiter_;
};

// The token of an `Authorization: Bearer` header, if there is one.
std::optional<std::string> bearer_token(const Request& request);

}  // namespace tandem::server
