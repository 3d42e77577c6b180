#include "bench/scenario_plan.hpp"

#include <gtest/gtest.h>

#include <set>

namespace tandem::bench {
namespace {

BenchOptions options(Scenario scenario, std::size_t clients) {
  BenchOptions o;
  o.scenario = scenario;
  o.clients = clients;
  return o;
}

TEST(ScenarioPlan, AuthorsAreAllWritersOnOneDocument) {
  const auto plan = make_plan(options(Scenario::kAuthors, 10), "r1");
  ASSERT_EQ(plan.clients.size(), 10u);
  EXPECT_EQ(plan.doc_ids.size(), 1u);
  EXPECT_EQ(plan.writers, 10u);
  EXPECT_EQ(plan.subscribers, std::vector<std::uint32_t>{10});
  std::set<std::string> ids;
  for (const auto& c : plan.clients) ids.insert(c.client_id);
  EXPECT_EQ(ids.size(), 10u);
}

TEST(ScenarioPlan, ViewersAddWritersToTheSubscribers) {
  auto o = options(Scenario::kViewers, 100);
  o.writers = 2;
  const auto plan = make_plan(o, "r2");
  EXPECT_EQ(plan.clients.size(), 102u);
  EXPECT_EQ(plan.writers, 2u);
  EXPECT_EQ(plan.clients[0].role, ClientPlan::Role::kWriter);
  EXPECT_EQ(plan.clients[2].role, ClientPlan::Role::kReader);
  EXPECT_EQ(plan.subscribers, std::vector<std::uint32_t>{102});
}

TEST(ScenarioPlan, DocsSpreadClientsEvenly) {
  auto o = options(Scenario::kDocs, 12);
  o.docs = 4;
  const auto plan = make_plan(o, "r3");
  EXPECT_EQ(plan.subscribers, (std::vector<std::uint32_t>{3, 3, 3, 3}));
  EXPECT_EQ(plan.clients[5].doc_id, plan.doc_ids[1]);
}

TEST(ScenarioPlan, IdleAndJoinDoNotWrite) {
  EXPECT_EQ(make_plan(options(Scenario::kIdle, 5), "r").writers, 0u);
  const auto join = make_plan(options(Scenario::kJoin, 5), "r");
  EXPECT_EQ(join.writers, 0u);
  EXPECT_EQ(join.subscribers, std::vector<std::uint32_t>{0});
}

TEST(ScenarioPlan, ProbesAreSpreadAndCounted) {
  auto o = options(Scenario::kAuthors, 100);
  o.probes = 4;
  std::size_t probes = 0;
  for (const auto& c : make_plan(o, "r").clients) probes += c.probe ? 1 : 0;
  EXPECT_EQ(probes, 4u);
  o.probes = 1000;
  probes = 0;
  for (const auto& c : make_plan(o, "r").clients) probes += c.probe ? 1 : 0;
  EXPECT_EQ(probes, 100u);
}

TEST(ScenarioPlan, ConnectionsCountTheHttpUplinks) {
  auto o = options(Scenario::kViewers, 10);
  o.writers = 2;
  const auto plan = make_plan(o, "r");
  EXPECT_EQ(connections_needed(o, plan), 12u);
  o.transport = TransportKind::kSse;
  EXPECT_EQ(connections_needed(o, plan), 14u);
}

TEST(ScenarioPlan, OneUrlPutsEveryClientOnIt) {
  const auto plan = make_plan(options(Scenario::kAuthors, 5), "r");
  for (const auto& c : plan.clients) EXPECT_EQ(c.server, 0u);
  EXPECT_EQ(connections_per_server(options(Scenario::kAuthors, 5), plan),
            std::vector<std::size_t>{5});
}

TEST(ScenarioPlan, SeveralUrlsTakeClientsRoundRobin) {
  auto o = options(Scenario::kAuthors, 7);
  o.urls = {"http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"};
  const auto plan = make_plan(o, "r");
  for (const auto& c : plan.clients) EXPECT_EQ(c.server, c.index % 3) << c.index;
  // The authors of the one document sit on every node.
  EXPECT_EQ(connections_per_server(o, plan), (std::vector<std::size_t>{3, 2, 2}));
  o.transport = TransportKind::kPoll;  // writers have a downlink and an uplink
  EXPECT_EQ(connections_per_server(o, plan), (std::vector<std::size_t>{6, 4, 4}));
  EXPECT_EQ(connections_needed(o, plan), 14u);
}

TEST(ScenarioPlan, ViewersOfOneDocumentAreSpreadOverTheNodes) {
  auto o = options(Scenario::kViewers, 5);
  o.writers = 1;
  o.urls = {"http://127.0.0.1:1", "http://127.0.0.1:2"};
  o.transport = TransportKind::kSse;
  const auto plan = make_plan(o, "r");
  // Client 0 is the writer, on node 0; the readers alternate from node 1.
  EXPECT_EQ(plan.clients[0].role, ClientPlan::Role::kWriter);
  EXPECT_EQ(plan.clients[1].server, 1u);
  EXPECT_EQ(connections_per_server(o, plan), (std::vector<std::size_t>{4, 3}));
}

TEST(BenchOptions, ValidateNamesTheProblem) {
  auto o = options(Scenario::kAuthors, 0);
  EXPECT_NE(validate(o)->find("--clients"), std::string::npos);
  o.clients = 10;
  o.rate = 0;
  EXPECT_NE(validate(o)->find("--rate"), std::string::npos);
  o.rate = 2;
  EXPECT_FALSE(validate(o).has_value());
  o.scenario = Scenario::kDocs;
  o.docs = 11;
  EXPECT_NE(validate(o)->find("--docs"), std::string::npos);
  o.docs = 1;
  o.urls.clear();
  EXPECT_NE(validate(o)->find("--url"), std::string::npos);
  o.urls.assign(kMaxUrls + 1, "http://127.0.0.1:1");
  EXPECT_NE(validate(o)->find("--url may be given at most"), std::string::npos);
  o.urls.resize(3);
  EXPECT_FALSE(validate(o).has_value());
  EXPECT_EQ(parse_scenario("viewers"), Scenario::kViewers);
  EXPECT_FALSE(parse_scenario("readers").has_value());
  EXPECT_EQ(parse_transport("poll"), TransportKind::kPoll);
  EXPECT_EQ(transport_name(TransportKind::kSse), "sse");
}

}  // namespace
}  // namespace tandem::bench
