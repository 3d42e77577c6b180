#pragma once

#include "common/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::server::security {

// Which names a request's Host header may carry: the defence against DNS rebinding. A page at
// http://attacker.example:8080 whose name the attacker re-points to 127.0.0.1 reaches a server
// on loopback with its own name as Host and Origin, so the same-origin check alone lets it in.
//
// Always allowed: an IP literal (v4 or bracketed v6, any port: a browser that used one was not
// rebound), `localhost` and `*.localhost` (browsers resolve them to loopback themselves), and a
// request without Host (HTTP/1.0). Besides, entries: "name" (any port), "name:port", "*.name"
// (every subdomain of name, not name itself) or "*" (any Host: the check is off).
class HostPolicy {
 public:
  // `enforced` false allows every Host (a public server whose operator set no allow-host).
  // The error names the first bad entry.
  static tandem::Result<HostPolicy, std::string> parse(const std::vector<std::string>& allowed,
                                                       bool enforced);

  // Also allows `name` on any port (the host of an allowed origin); IP literals are ignored.
  void add_name(std::string_view name);

  [[nodiscard]] bool allows(std::string_view host_header) const;
  // False when every Host passes ("*", or not enforced).
  [[nodiscard]] bool checks() const { return enforced_ && !any_; }

 private:
  struct Entry {
    std::string name;  // lowercase; for a wildcard, the suffix with its leading dot
    bool wildcard = false;
    std::optional<std::uint16_t> port;
  };

  bool enforced_ = true;
  bool any_ = false;
  std::vector<Entry> entries_;
};

// The host of a normalised origin ("https://app.example.com:443" -> "app.example.com").
std::string origin_host(std::string_view normalized_origin);

}  // namespace tandem::server::security
