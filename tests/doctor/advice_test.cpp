#include "doctor/advice.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace tandem::doctor {
namespace {

Finding pass(std::string check) {
  return {std::move(check), Status::kPass, proto::Outcome::kOk, 5, ""};
}
Finding fail(std::string check, proto::Outcome outcome) {
  return {std::move(check), Status::kFail, outcome, 5, ""};
}

// What Varnish with `return (pass)` does: Tandem's own answers come back with Varnish's Via and
// X-Varnish, the upgrade is refused, a held poll ends in Varnish's 503.
Diagnosis behind_stock_varnish() {
  Diagnosis diagnosis;
  diagnosis.findings = {pass("connect"), pass("probe"), fail("websocket", proto::Outcome::kRefused),
                        pass("sse"),     pass("post"),  fail("poll", proto::Outcome::kTimeout)};
  diagnosis.seen.server_headers = {"tandem", "tandem", "Varnish"};
  diagnosis.seen.via_headers = {"1.1 varnish (Varnish/7.1)"};
  diagnosis.seen.varnish_id = true;
  return diagnosis;
}

bool has_fix(const Advice& advice, std::string_view words) {
  return std::ranges::any_of(advice.fixes,
                             [&](const std::string& fix) { return fix.find(words) != fix.npos; });
}

TEST(Advice, RecognisesVarnishByItsViaAndGivesVarnishFixesOnly) {
  const Advice advice = advise(behind_stock_varnish());
  EXPECT_EQ(advice.proxy, Proxy::kVarnish);
  EXPECT_EQ(proxy_name(advice.proxy), "Varnish");
  EXPECT_EQ(advice.transport, "sse");
  EXPECT_EQ(advice.exit_code, 1);
  EXPECT_TRUE(has_fix(advice, "Varnish: pipe the upgrade")) << advice.fixes.front();
  EXPECT_TRUE(has_fix(advice, ".first_byte_timeout = 60s"));
  EXPECT_FALSE(has_fix(advice, "nginx:"));
}

TEST(Advice, RecognisesVarnishByXVarnishWhenViaIsRemoved) {
  Diagnosis diagnosis = behind_stock_varnish();
  diagnosis.seen.via_headers.clear();
  const Advice advice = advise(diagnosis);
  EXPECT_EQ(advice.proxy, Proxy::kVarnish);
  EXPECT_EQ(advice.proxy_evidence, "X-Varnish on its answers");
}

TEST(Advice, RecognisesVarnishByItsErrorPage) {
  Diagnosis diagnosis = behind_stock_varnish();
  diagnosis.seen.via_headers.clear();
  diagnosis.seen.varnish_id = false;
  diagnosis.seen.server_headers = {"tandem"};
  diagnosis.seen.foreign_pages = {
      "<!DOCTYPE html>\n<html><head><title>503 Backend fetch failed</title></head><body>"
      "<h1>Error 503 Backend fetch failed</h1><hr><p>Varnish cache server</p>"};
  EXPECT_EQ(advise(diagnosis).proxy, Proxy::kVarnish);
}

TEST(Advice, AnUnknownProxyGetsEveryProxysFixIncludingVarnish) {
  Diagnosis diagnosis = behind_stock_varnish();
  diagnosis.seen = {};
  diagnosis.seen.unsigned_answer = true;
  const Advice advice = advise(diagnosis);
  EXPECT_EQ(advice.proxy, Proxy::kUnknown);
  for (std::string_view proxy : {"nginx: ", "Apache: ", "Caddy: ", "HAProxy: ", "Varnish: "}) {
    EXPECT_TRUE(has_fix(advice, proxy)) << proxy;
  }
}

}  // namespace
}  // namespace tandem::doctor
