#pragma once

#include "common/result.hpp"

#include <string>
#include <string_view>

namespace tandem::doctor {

// The server to diagnose, from a URL such as https://notes.example.com/collab.
struct Target {
  bool tls = false;
  std::string host;
  std::string port;
  std::string base_path;  // without a trailing slash; "" for the root

  std::string host_header() const;  // host[:port], the port only when not the default
  std::string origin() const;       // scheme://host[:port]
  std::string path(std::string_view endpoint) const { return base_path + std::string(endpoint); }
};

// Accepts http:// and https:// URLs (no user info, query or fragment).
Result<Target, std::string> parse_target(std::string_view url);

}  // namespace tandem::doctor
