#include "proto/negotiation.hpp"

#include <gtest/gtest.h>

#include "proto_test_support.hpp"

namespace tandem::proto {
namespace {

using test::client;
using test::client_error;

std::string hello_with(std::string_view negotiation) {
  return R"({"t":"hello","client":"c","negotiation":)" + std::string(negotiation) + "}";
}

TEST(NegotiationTest, DecodesTheKnownFields) {
  const auto hello = client<Hello>(hello_with(
      R"({"transport":"poll","attempts":[{"transport":"websocket","outcome":"refused","ms":12,)"
      R"("detail":"502 from proxy"},{"transport":"sse","outcome":"buffered","ms":3000.7}],)"
      R"("reconnects":2,"previous":"websocket"})"));
  ASSERT_TRUE(hello.negotiation);
  const Negotiation& n = *hello.negotiation;
  EXPECT_EQ(n.transport, Transport::kPoll);
  ASSERT_EQ(n.attempts.size(), 2u);
  EXPECT_EQ(n.attempts[0].transport, Transport::kWebSocket);
  EXPECT_EQ(n.attempts[0].outcome, Outcome::kRefused);
  EXPECT_EQ(n.attempts[0].ms, 12u);
  EXPECT_EQ(n.attempts[0].detail, "502 from proxy");
  EXPECT_EQ(n.attempts[1].outcome, Outcome::kBuffered);
  EXPECT_EQ(n.attempts[1].ms, 3000u);  // fractions from performance.now() are dropped
  EXPECT_FALSE(n.attempts[1].detail);
  EXPECT_EQ(n.reconnects, 2u);
  EXPECT_EQ(n.previous, Transport::kWebSocket);
}

TEST(NegotiationTest, ToleratesUnknownFieldsAndNamesAndKeepsTheJson) {
  const auto hello = client<Hello>(hello_with(
      R"({"transport":"webtransport","attempts":[{"outcome":"teleported","extra":[1]}],"v2":{}})"));
  const Negotiation& n = *hello.negotiation;
  EXPECT_EQ(n.transport, Transport::kUnknown);
  EXPECT_EQ(n.attempts[0].outcome, Outcome::kUnknown);
  EXPECT_EQ(
      n.json,
      R"({"transport":"webtransport","attempts":[{"outcome":"teleported","extra":[1]}],"v2":{}})");
  EXPECT_TRUE(client<Hello>(hello_with("{}")).negotiation);
}

TEST(NegotiationTest, EveryNameRoundTrips) {
  for (int i = 1; i <= 3; ++i) {
    const auto transport = static_cast<Transport>(i);
    EXPECT_EQ(parse_transport(transport_name(transport)), transport);
  }
  for (int i = 1; i <= 8; ++i) {
    const auto outcome = static_cast<Outcome>(i);
    EXPECT_EQ(parse_outcome(outcome_name(outcome)), outcome);
  }
  EXPECT_EQ(transport_name(Transport::kWebSocket), "websocket");
  EXPECT_EQ(outcome_name(Outcome::kOrigin), "origin");
}

TEST(NegotiationTest, TypesOfKnownFieldsAreChecked) {
  struct Case {
    const char* negotiation;
    const char* message;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"[]", "negotiation: must be an object"},
           {R"("ws")", "negotiation: must be an object"},
           {R"({"transport":1})", "negotiation.transport: must be a string"},
           {R"({"attempts":{}})", "negotiation.attempts: must be an array"},
           {R"({"attempts":[{},3]})", "negotiation.attempts[1]: must be an object"},
           {R"({"attempts":[{"ms":-1}]})",
            "negotiation.attempts[0].ms: must be an integer from 0 to 2^53-1"},
           {R"({"attempts":[{"ms":"5"}]})",
            "negotiation.attempts[0].ms: must be an integer from 0 to 2^53-1"},
           {R"({"attempts":[{"detail":false}]})",
            "negotiation.attempts[0].detail: must be a string"},
           {R"({"attempts":[{"outcome":{}}]})",
            "negotiation.attempts[0].outcome: must be a string"},
           {R"({"reconnects":1.5})", "negotiation.reconnects: must be an integer from 0 to 2^53-1"},
       }) {
    const auto error = client_error(hello_with(c.negotiation));
    EXPECT_EQ(error.code, ErrorCode::kBadMessage) << c.negotiation;
    EXPECT_EQ(error.message, c.message) << c.negotiation;
  }
}

TEST(NegotiationTest, DepthLimit) {
  // The negotiation object is level 1: four levels pass, five do not.
  EXPECT_TRUE(client<Hello>(hello_with(R"({"attempts":[{"x":[1]}]})")).negotiation);
  const auto error = client_error(hello_with(R"({"attempts":[{"x":[[]]}]})"));
  EXPECT_EQ(error.code, ErrorCode::kTooDeep);
  EXPECT_EQ(error.message, "negotiation: nests deeper than 4 levels");
}

TEST(NegotiationTest, SizeLimit) {
  // 4096 bytes of compact JSON pass, 4097 do not; whitespace does not count.
  const std::string fits = R"({"detail":")" + std::string(4096 - 13, 'x') + "\"}";
  ASSERT_EQ(fits.size(), 4096u);
  EXPECT_TRUE(client<Hello>(hello_with("  " + fits)).negotiation);
  const std::string too_big = R"({"detail":")" + std::string(4096 - 12, 'x') + "\"}";
  const auto error = client_error(hello_with(too_big));
  EXPECT_EQ(error.code, ErrorCode::kBadMessage);
  EXPECT_EQ(error.message, "negotiation: larger than 4096 bytes");
}

TEST(NegotiationTest, EncodesOnlyKnownFields) {
  Negotiation n;
  n.transport = Transport::kSse;
  n.attempts.push_back({Transport::kWebSocket, Outcome::kHung, 2500, "no 101"});
  n.attempts.push_back({Transport::kUnknown, Outcome::kUnknown, std::nullopt, std::nullopt});
  n.reconnects = 0;
  n.previous = Transport::kPoll;
  n.json = R"({"ignored":true})";
  std::string out;
  append_negotiation(n, out);
  EXPECT_EQ(out,
            R"({"transport":"sse","attempts":[{"transport":"websocket","outcome":"hung","ms":2500,)"
            R"("detail":"no 101"},{}],"reconnects":0,"previous":"poll"})");
  EXPECT_EQ(encode(Hello{"c", std::nullopt, Negotiation{}}),
            R"({"t":"hello","client":"c","negotiation":{}})");
}

}  // namespace
}  // namespace tandem::proto
