#pragma once

#include "doctor/findings.hpp"

#include <string>
#include <vector>

namespace tandem::doctor {

enum class Proxy { kUnknown, kNone, kNginx, kApache, kCaddy, kHaproxy, kVarnish };

struct Advice {
  Proxy proxy = Proxy::kUnknown;
  std::string proxy_evidence;      // what gave it away
  std::string transport;           // what a browser ends up on: websocket, sse, poll, or none
  std::vector<std::string> fixes;  // configuration changes, most important first
  int exit_code = 2;               // 0 WebSocket works, 1 only fallbacks work, 2 nothing works
};

std::string_view proxy_name(Proxy proxy);

// Reads the findings: which proxy is in between, where a browser will land, what to change.
Advice advise(const Diagnosis& diagnosis);

}  // namespace tandem::doctor
