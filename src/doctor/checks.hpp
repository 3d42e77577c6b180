#pragma once

#include "doctor/findings.hpp"
#include "doctor/link.hpp"
#include "doctor/target.hpp"

#include <optional>
#include <string>

namespace tandem::doctor {

struct CheckOptions {
  std::optional<std::string> origin;  // the page's origin; the target's own by default
  std::optional<std::string> token;   // sent as Authorization: Bearer
  Millis timeout{3000};               // for an upgrade, a first event, an answer
  Millis poll_timeout{40000};         // for one whole held poll (the server holds 25 s)
  bool hold_poll = true;              // false: skip the held poll (--quick)
  bool verify_tls = true;
};

// Runs every check in order (connect, probe, websocket, sse, post, poll) against the target.
Diagnosis run_checks(const Target& target, const CheckOptions& options);

}  // namespace tandem::doctor
