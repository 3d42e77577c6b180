#include "app/value_parsers.hpp"

#include <gtest/gtest.h>

namespace tandem::app {
namespace {

template <typename T>
T value_of(const Parsed<T>& parsed) {
  EXPECT_TRUE(std::holds_alternative<T>(parsed)) << std::get<std::string>(parsed);
  return std::get<T>(parsed);
}

template <typename T>
std::string problem_of(const Parsed<T>& parsed) {
  EXPECT_TRUE(std::holds_alternative<std::string>(parsed));
  return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "";
}

TEST(ParseSize, AcceptsBytesAndBinaryUnits) {
  EXPECT_EQ(value_of(parse_size("16384")), 16384u);
  EXPECT_EQ(value_of(parse_size("16KiB")), 16384u);
  EXPECT_EQ(value_of(parse_size("1MiB")), 1048576u);
  EXPECT_EQ(value_of(parse_size("2M")), 2097152u);
  EXPECT_EQ(value_of(parse_size("1GiB")), 1073741824u);
}

TEST(ParseSize, RejectsGarbageNegativeAndOverflow) {
  EXPECT_NE(problem_of(parse_size("-1")).find("expected a size"), std::string::npos);
  problem_of(parse_size("12 parsecs"));
  problem_of(parse_size(""));
  problem_of(parse_size("KiB"));
  problem_of(parse_size("99999999999999999999"));
  problem_of(parse_size("18014398509481984GiB"));
}

TEST(ParseDuration, AcceptsUnits) {
  EXPECT_EQ(value_of(parse_duration("500ms")).count(), 500);
  EXPECT_EQ(value_of(parse_duration("10s")).count(), 10'000);
  EXPECT_EQ(value_of(parse_duration("2m")).count(), 120'000);
  EXPECT_EQ(value_of(parse_duration("1h")).count(), 3'600'000);
}

TEST(ParseDuration, RequiresAUnit) {
  EXPECT_NE(problem_of(parse_duration("10")).find("500ms"), std::string::npos);
  problem_of(parse_duration("10 s"));
  problem_of(parse_duration("s"));
  problem_of(parse_duration("-3s"));
}

TEST(ParseEndpoint, ParsesV4V6AndLocalhost) {
  const auto v4 = value_of(parse_endpoint("127.0.0.1:8080"));
  EXPECT_EQ(v4.address().to_string(), "127.0.0.1");
  EXPECT_EQ(v4.port(), 8080);
  const auto v6 = value_of(parse_endpoint("[::1]:0"));
  EXPECT_TRUE(v6.address().is_v6());
  EXPECT_EQ(v6.port(), 0);
  EXPECT_EQ(value_of(parse_endpoint("localhost:9")).address().to_string(), "127.0.0.1");
  EXPECT_EQ(format_endpoint(v6), "[::1]:0");
}

TEST(ParseEndpoint, RejectsNamesAndBadPorts) {
  EXPECT_NE(problem_of(parse_endpoint("example.org:80")).find("not an IP address"),
            std::string::npos);
  problem_of(parse_endpoint("127.0.0.1"));
  problem_of(parse_endpoint("127.0.0.1:65536"));
  problem_of(parse_endpoint("127.0.0.1:http"));
  problem_of(parse_endpoint(":"));
}

TEST(FormatValues, RoundTrip) {
  EXPECT_EQ(format_size(16384), "16KiB");
  EXPECT_EQ(format_size(1048576), "1MiB");
  EXPECT_EQ(format_size(1000), "1000");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(10'000)), "10s");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(1'500)), "1500ms");
}

}  // namespace
}  // namespace tandem::app
