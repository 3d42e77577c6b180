#pragma once

#include "proto/messages.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tandem::doctor {

enum class Status { kPass, kWarn, kFail, kSkipped };

// The result of one check, in the vocabulary of the client's negotiation report
// (docs/protocol.md): ok, refused, hung, silent, buffered, timeout, origin, error.
struct Finding {
  std::string check;  // connect, probe, websocket, sse, post, poll
  Status status = Status::kSkipped;
  proto::Outcome outcome = proto::Outcome::kUnknown;
  long long ms = 0;
  std::string detail;
};

// What the checks saw of the path between here and the server.
struct Observations {
  std::vector<std::string> server_headers;  // Server: of every answer (tandem's own says "tandem")
  std::vector<std::string> via_headers;     // Via: of answers
  std::vector<std::string> foreign_pages;   // bodies of answers not from Tandem (error pages)
  bool unsigned_answer = false;             // an answer without any Server header
  bool varnish_id = false;                  // an answer carried X-Varnish (Varnish's request id)
  std::optional<std::string> probe_http_version;  // as the server saw the probe
  std::optional<std::string> probe_upgrade;       // Upgrade: that reached the server, if any
  std::optional<std::string> probe_forwarded_server;
  std::optional<std::string> probe_via;
  bool probe_forwarded = false;  // X-Forwarded-For / Forwarded / X-Real-IP arrived
};

struct Diagnosis {
  std::vector<Finding> findings;
  Observations seen;
};

}  // namespace tandem::doctor
