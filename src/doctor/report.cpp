#include "doctor/report.hpp"

#include "proto/negotiation.hpp"

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace tandem::doctor {
namespace {

std::string_view status_name(Status status) {
  switch (status) {
    case Status::kPass:
      return "pass";
    case Status::kWarn:
      return "warn";
    case Status::kFail:
      return "FAIL";
    case Status::kSkipped:
      return "skip";
  }
  return "?";
}

std::string_view verdict(const Advice& advice) {
  if (advice.transport == "websocket") return "browsers will use WebSocket.";
  if (advice.transport == "sse")
    return "WebSocket does not get through: browsers will fall back to SSE + POST.";
  if (advice.transport == "poll")
    return "WebSocket and SSE do not get through: browsers will fall back to long-polling + POST.";
  return "no transport works: browsers cannot connect.";
}

}  // namespace

std::string format_text(const std::string& url, const Diagnosis& diagnosis, const Advice& advice) {
  std::string out = fmt::format("tandem doctor {}\n\n{:<10} {:<6} {:<10} {:>9}  {}\n", url, "check",
                                "result", "outcome", "time", "detail");
  for (const Finding& finding : diagnosis.findings) {
    const std::string_view outcome =
        finding.outcome == proto::Outcome::kUnknown ? "-" : proto::outcome_name(finding.outcome);
    fmt::format_to(std::back_inserter(out), "{:<10} {:<6} {:<10} {:>6} ms  {}\n", finding.check,
                   status_name(finding.status), outcome, finding.ms, finding.detail);
  }
  fmt::format_to(std::back_inserter(out), "\nproxy: {}{}\nverdict: {}\n", proxy_name(advice.proxy),
                 advice.proxy_evidence.empty() ? "" : " (" + advice.proxy_evidence + ")",
                 verdict(advice));
  if (!advice.fixes.empty()) {
    out += "\nto fix:\n";
    for (const std::string& fix : advice.fixes) out += "  - " + fix + "\n";
  }
  out +=
      "\nClients report what they negotiated; see tandem_fallbacks_total and "
      "tandem_negotiation_attempts_total at GET /metrics (docs/metrics.md).\n";
  return out;
}

std::string format_json(const std::string& url, const Diagnosis& diagnosis, const Advice& advice) {
  boost::json::array checks;
  for (const Finding& finding : diagnosis.findings) {
    checks.push_back(boost::json::object{
        {"check", finding.check},
        {"status", status_name(finding.status) == "FAIL" ? "fail" : status_name(finding.status)},
        {"outcome", proto::outcome_name(finding.outcome)},
        {"ms", finding.ms},
        {"detail", finding.detail}});
  }
  boost::json::array fixes;
  for (const std::string& fix : advice.fixes) fixes.emplace_back(fix);
  const boost::json::object report{{"url", url},
                                   {"checks", std::move(checks)},
                                   {"proxy", proxy_name(advice.proxy)},
                                   {"proxy_evidence", advice.proxy_evidence},
                                   {"transport", advice.transport},
                                   {"fixes", std::move(fixes)},
                                   {"exit_code", advice.exit_code}};
  return boost::json::serialize(report) + "\n";
}

}  // namespace tandem::doctor
