#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace tandem::server::security {

// Which browser origins may talk to this server (cross-site WebSocket hijacking and CSRF are
// the holes this closes). A request's own origin is always allowed; `allowed` adds exact
// origins ("https://app.example.com", "http://localhost:5173") or "*" for any origin, which
// turns the check off and is unsafe with cookie or ambient credentials.
class OriginPolicy {
 public:
  // Throws std::invalid_argument naming the first bad entry: configuration time only.
  explicit OriginPolicy(const std::vector<std::string>& allowed);

  // The same without exceptions; the error names the bad entry.
  static tandem::Result<OriginPolicy, std::string> parse(const std::vector<std::string>& allowed);

  // Whether a request carrying `origin_header` may proceed. An empty header (curl, the doctor,
  // the bench: no browser) is allowed; "null", a list of origins, anything but an http(s)
  // origin without path, query or userinfo, and a same-origin check against an unparsable
  // Host are refused. `host_header` and `tls` describe the request as the browser made it
  // (behind a TLS-terminating proxy, the caller passes the scheme the client used).
  [[nodiscard]] bool allows(std::string_view origin_header, std::string_view host_header,
                            bool tls) const;

  [[nodiscard]] bool allows_any() const { return any_; }
  // The normalised entries, "scheme://host:port", for logging the effective policy.
  [[nodiscard]] const std::vector<std::string>& allowed() const { return allowed_; }

 private:
  OriginPolicy() = default;

  bool any_ = false;
  std::vector<std::string> allowed_;
};

// "scheme://host:port" with lowercase scheme and host, IP literals in canonical form and the
// default port (80, 443) made explicit; nullopt unless `origin` is exactly an http or https
// origin (RFC 6454 serialisation). `allow_trailing_slash` accepts "https://a.example/" (for
// configuration entries; browsers never send it).
std::optional<std::string> normalize_origin(std::string_view origin,
                                            bool allow_trailing_slash = false);

// The origin a request made to `host_header` over http (`tls` false) or https has, normalised
// the same way; nullopt if the Host header is not host[:port].
std::optional<std::string> request_origin(std::string_view host_header, bool tls);

}  // namespace tandem::server::security
