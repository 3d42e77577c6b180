#pragma once

#include "server/protocol_session.hpp"
#include "server/router.hpp"
#include "server/security/client_address.hpp"
#include "server/security/connection_limiter.hpp"
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
  security::TrustedProxies proxies_;
  security::ConnectionLimiter limiter_;
};

// The token of an `Authorization: Bearer` header, if there is one.
std::optional<std::string> bearer_token(const Request& request);

}  // namespace tandem::server
