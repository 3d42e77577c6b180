#include "server/security/access_grant.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace tandem::server::security {
namespace {

TEST(DocPatternTest, StarAloneMatchesEveryDoc) {
  EXPECT_TRUE(doc_pattern_matches("*", "a"));
  EXPECT_TRUE(doc_pattern_matches("*", "team-a.notes"));
  EXPECT_TRUE(doc_pattern_matches("*", ""));
}

TEST(DocPatternTest, LiteralPatternMatchesOnlyItselfCaseSensitively) {
  EXPECT_TRUE(doc_pattern_matches("notes", "notes"));
  EXPECT_FALSE(doc_pattern_matches("notes", "Notes"));
  EXPECT_FALSE(doc_pattern_matches("notes", "notes2"));
  EXPECT_FALSE(doc_pattern_matches("notes", "note"));
}

TEST(DocPatternTest, StarAtTheEnd) {
  EXPECT_TRUE(doc_pattern_matches("team-a.*", "team-a.notes"));
  EXPECT_TRUE(doc_pattern_matches("team-a.*", "team-a."));  // '*' also matches nothing
  EXPECT_FALSE(doc_pattern_matches("team-a.*", "team-a"));
  EXPECT_FALSE(doc_pattern_matches("team-a.*", "team-b.notes"));
  EXPECT_FALSE(doc_pattern_matches("team-a.*", "xteam-a.notes"));
}

TEST(DocPatternTest, StarAtTheStart) {
  EXPECT_TRUE(doc_pattern_matches("*.md", "readme.md"));
  EXPECT_TRUE(doc_pattern_matches("*.md", ".md"));
  EXPECT_FALSE(doc_pattern_matches("*.md", "readme.mdx"));
  EXPECT_TRUE(doc_pattern_matches("*.md", "a.md.md"));
}

TEST(DocPatternTest, StarsInTheMiddle) {
  EXPECT_TRUE(doc_pattern_matches("a*b*c", "abc"));
  EXPECT_TRUE(doc_pattern_matches("a*b*c", "aXXbYYc"));
  EXPECT_TRUE(doc_pattern_matches("a*b*c", "abcbc"));
  EXPECT_FALSE(doc_pattern_matches("a*b*c", "acb"));
  EXPECT_FALSE(doc_pattern_matches("a*b*c", "abcx"));
  EXPECT_TRUE(doc_pattern_matches("a**c", "ac"));
  EXPECT_TRUE(doc_pattern_matches("team-*-draft", "team-a-draft"));
  EXPECT_TRUE(doc_pattern_matches("team-*-draft", "team--draft"));
  EXPECT_FALSE(doc_pattern_matches("team-*-draft", "team-draft"));
}

TEST(DocPatternTest, PathologicalPatternsStayFast) {
  const std::string doc(128, 'a');
  std::string pattern;
  for (int i = 0; i < 60; ++i) pattern += "*a";
  pattern += "*b";
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(doc_pattern_matches(pattern, doc));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(DocPatternTest, ValidPatternsUseTheDocIdAlphabetAndStar) {
  EXPECT_TRUE(is_valid_doc_pattern("*"));
  EXPECT_TRUE(is_valid_doc_pattern("team-a.*"));
  EXPECT_TRUE(is_valid_doc_pattern("A-Za-z0-9._~-"));
  EXPECT_FALSE(is_valid_doc_pattern(""));
  EXPECT_FALSE(is_valid_doc_pattern("a/b"));
  EXPECT_FALSE(is_valid_doc_pattern("a?"));
  EXPECT_FALSE(is_valid_doc_pattern("a b"));
  EXPECT_FALSE(is_valid_doc_pattern(std::string(kMaxDocPatternLength + 1, 'a')));
  EXPECT_TRUE(is_valid_doc_pattern(std::string(kMaxDocPatternLength, 'a')));
}

TEST(AccessTest, NamesRoundTrip) {
  EXPECT_EQ(access_name(Access::kNone), "none");
  EXPECT_EQ(parse_access("read"), Access::kRead);
  EXPECT_EQ(parse_access("write"), Access::kWrite);
  EXPECT_FALSE(parse_access("none"));
  EXPECT_FALSE(parse_access("Write"));
  EXPECT_FALSE(parse_access("admin"));
}

TEST(AccessGrantTest, MostPermissiveMatchingRuleWins) {
  AccessGrant grant;
  grant.rules = {{"*", Access::kRead}, {"team-a.*", Access::kWrite}, {"team-a.x", Access::kRead}};
  EXPECT_EQ(grant.access_for("team-a.x"), Access::kWrite);
  EXPECT_EQ(grant.access_for("team-a.notes"), Access::kWrite);
  EXPECT_EQ(grant.access_for("team-b.notes"), Access::kRead);
  EXPECT_TRUE(grant.can_read("team-a.notes"));  // write implies read
  EXPECT_TRUE(grant.can_write("team-a.notes"));
  EXPECT_TRUE(grant.can_read("other"));
  EXPECT_FALSE(grant.can_write("other"));
}

TEST(AccessGrantTest, NoRulesGrantNothing) {
  const AccessGrant grant;
  EXPECT_EQ(grant.access_for("doc"), Access::kNone);
  EXPECT_FALSE(grant.can_read("doc"));
}

TEST(AccessGrantTest, InvalidDocIdsGetNothingEvenFromStar) {
  AccessGrant grant;
  grant.rules = {{"*", Access::kWrite}};
  EXPECT_EQ(grant.access_for("ok-doc"), Access::kWrite);
  EXPECT_EQ(grant.access_for(""), Access::kNone);
  EXPECT_EQ(grant.access_for("a/b"), Access::kNone);
  EXPECT_EQ(grant.access_for("."), Access::kNone);
  EXPECT_EQ(grant.access_for(".."), Access::kNone);
  EXPECT_EQ(grant.access_for("a*"), Access::kNone);
  EXPECT_EQ(grant.access_for(std::string(129, 'a')), Access::kNone);
  EXPECT_EQ(grant.access_for(std::string(128, 'a')), Access::kWrite);
}

}  // namespace
}  // namespace tandem::server::security
