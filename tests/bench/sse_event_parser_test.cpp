#include "bench/sse_event_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::bench {
namespace {

struct Event {
  std::string data;
  std::string id;
};

std::vector<Event> feed_in_pieces(SseEventParser& parser, std::string_view stream,
                                  std::size_t piece) {
  std::vector<Event> events;
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    EXPECT_TRUE(
        parser.feed(stream.substr(at, piece), [&](std::string_view data, std::string_view id) {
          events.push_back({std::string(data), std::string(id)});
        }));
  }
  return events;
}

TEST(SseEventParser, ReadsTandemStreamWhateverTheChunking) {
  const std::string stream =
      ":" + std::string(2048, ' ') + "\nretry: 1000\n\ndata: {\"t\":\"welcome\"}\n\n" +
      "id: d@1\ndata: {\"t\":\"op\",\"v\":0}\n\n:\n\r\nid: d@2\r\ndata: {\"t\":\"ack\"}\r\n\r\n";
  for (const std::size_t piece : {1u, 2u, 7u, 100u, 5000u}) {
    SseEventParser parser;
    const auto events = feed_in_pieces(parser, stream, piece);
    ASSERT_EQ(events.size(), 3u) << piece;
    EXPECT_EQ(events[0].data, "{\"t\":\"welcome\"}");
    EXPECT_EQ(events[0].id, "");
    EXPECT_EQ(events[1].data, "{\"t\":\"op\",\"v\":0}");
    EXPECT_EQ(events[1].id, "d@1");
    EXPECT_EQ(events[2].id, "d@2");
    EXPECT_EQ(parser.last_id(), "d@2");
  }
}

TEST(SseEventParser, JoinsDataLinesAndKeepsTheLastId) {
  SseEventParser parser;
  const auto events = feed_in_pieces(parser, "data: a\ndata:b\nid: 1\n\ndata: c\n\n", 3);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "a\nb");
  EXPECT_EQ(events[1].data, "c");
  EXPECT_EQ(events[1].id, "1");  // the id stays until another one comes
}

TEST(SseEventParser, AnEventWithoutDataIsNotDispatched) {
  SseEventParser parser;
  EXPECT_TRUE(feed_in_pieces(parser, "id: 5\n\n: comment\n\n", 4).empty());
  EXPECT_EQ(parser.last_id(), "5");
}

TEST(SseEventParser, RefusesAnEventBeyondTheLimit) {
  SseEventParser parser(64);
  bool called = false;
  EXPECT_FALSE(parser.feed("data: " + std::string(100, 'x'),
                           [&](std::string_view, std::string_view) { called = true; }));
  EXPECT_FALSE(parser.feed("\n\n", [&](std::string_view, std::string_view) { called = true; }));
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace tandem::bench
