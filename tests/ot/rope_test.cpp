#include "ot/rope.hpp"

#include <gtest/gtest.h>

#include <string>

#include "ot/apply.hpp"
#include "ot_test_support.hpp"

namespace tandem::ot {
namespace {

using test::utf8;

TEST(RopeTest, EmptyRope) {
  Rope rope;
  EXPECT_TRUE(rope.empty());
  EXPECT_EQ(rope.length(), 0u);
  EXPECT_EQ(rope.to_string(), "");
  rope.erase(0, 0);
  rope.insert(0, "");
  EXPECT_EQ(rope.chunk_count(), 0u);
  EXPECT_TRUE(rope.check_invariants());
}

TEST(RopeTest, InsertAndEraseSmallText) {
  Rope rope("hello");
  rope.insert(5, " world");
  rope.insert(0, "😀");
  EXPECT_EQ(rope.to_string(), "😀hello world");
  EXPECT_EQ(rope.length(), 12u);
  EXPECT_EQ(rope.size_bytes(), 15u);
  rope.erase(0, 1);
  rope.erase(5, 6);
  EXPECT_EQ(rope.to_string(), "hello");
  rope.erase(0, 5);
  EXPECT_TRUE(rope.empty());
  EXPECT_TRUE(rope.check_invariants());
}

TEST(RopeTest, SubstrAndByteOffset) {
  const std::u32string model = U"a\u00e9\u4e2d\U0001F600b";
  Rope rope(utf8(model));
  for (std::size_t pos = 0; pos <= model.size(); ++pos) {
    EXPECT_EQ(rope.byte_offset(pos), utf8(model.substr(0, pos)).size());
    for (std::size_t n = 0; pos + n <= model.size(); ++n) {
      EXPECT_EQ(rope.substr(pos, n), utf8(model.substr(pos, n)));
    }
  }
}

TEST(RopeTest, LargeTextIsChunkedWithoutSplittingCodePoints) {
  test::Random random(11);
  const std::u32string model = random.text(50'000);
  const std::string text = utf8(model);
  Rope rope(text);
  EXPECT_GT(rope.chunk_count(), 50u);
  EXPECT_EQ(rope.length(), model.size());
  EXPECT_EQ(rope.to_string(), text);
  EXPECT_TRUE(rope.check_invariants());
  std::size_t total = 0;
  rope.for_each_chunk([&](std::string_view chunk) {
    EXPECT_TRUE(is_valid_utf8(chunk));
    total += chunk.size();
  });
  EXPECT_EQ(total, text.size());
}

// Random edits of every size against a std::u32string model.
TEST(RopeTest, RandomEditsMatchModel) {
  test::Random random(2024);
  std::u32string model = random.text(3000);
  Rope rope(utf8(model));
  for (int step = 0; step < 6000; ++step) {
    const auto kind = random.below(10);
    if (kind < 5 || model.empty()) {
      // Mostly typing-sized inserts, sometimes pastes larger than a chunk.
      const std::size_t n = random.chance(20) ? 500 + random.below(3000) : 1 + random.below(8);
      const std::u32string text = random.text(n);
      const std::size_t pos = random.below(model.size() + 1);
      rope.insert(pos, utf8(text));
      model.insert(pos, text);
    } else {
      const std::size_t pos = random.below(model.size());
      const std::size_t max = model.size() - pos;
      const std::size_t n = random.chance(20) ? 1 + random.below(max)
                                              : 1 + random.below(std::min<std::size_t>(max, 8));
      rope.erase(pos, n);
      model.erase(pos, n);
    }
    ASSERT_EQ(rope.length(), model.size()) << "step " << step;
    if (step % 250 == 0) {
      ASSERT_TRUE(rope.check_invariants()) << "step " << step;
      ASSERT_LT(rope.height(), 48u) << "step " << step;
      ASSERT_EQ(rope.to_string(), utf8(model)) << "step " << step;
      const std::size_t pos = random.below(model.size() + 1);
      const std::size_t n = random.below(model.size() - pos + 1);
      ASSERT_EQ(rope.substr(pos, n), utf8(model.substr(pos, n)));
    }
  }
  EXPECT_EQ(rope.to_string(), utf8(model));
  EXPECT_TRUE(rope.check_invariants());
}

TEST(RopeTest, TypingAtOnePlaceKeepsChunksFull) {
  Rope rope;
  std::string model;
  for (int i = 0; i < 20'000; ++i) {
    rope.insert(model.size() / 2, "x");
    model.insert(model.size() / 2, "x");
  }
  EXPECT_EQ(rope.to_string(), model);
  // 20 000 bytes in chunks of at most 2 KiB: fragmentation would show as many more chunks.
  EXPECT_LT(rope.chunk_count(), 40u);
  EXPECT_TRUE(rope.check_invariants());
}

TEST(RopeTest, TypingIntoFullChunksOfWideCharacters) {
  // Full chunks of 3- and 4-byte characters are cut in halves by bytes, never inside one.
  std::u32string model;
  for (int i = 0; i < 4000; ++i) model += (i % 3 == 0) ? U'\U0001F600' : U'\u4e2d';
  Rope rope(utf8(model));
  test::Random random(8);
  for (int i = 0; i < 5000; ++i) {
    const std::size_t pos = random.below(model.size() + 1);
    const std::u32string text = random.text(1 + random.below(3));
    rope.insert(pos, utf8(text));
    model.insert(pos, text);
  }
  EXPECT_EQ(rope.to_string(), utf8(model));
  EXPECT_TRUE(rope.check_invariants());
  EXPECT_LT(rope.height(), 48u);
  EXPECT_LT(rope.chunk_count(), 2 * rope.size_bytes() / 1024 + 10);
}

TEST(RopeTest, RepeatedRangeDeletesDoNotFragment) {
  std::string model(100'000, 'a');
  for (std::size_t i = 0; i < model.size(); ++i) model[i] = static_cast<char>('a' + i % 26);
  Rope rope(model);
  test::Random random(5);
  while (model.size() > 20'000) {
    const std::size_t pos = random.below(model.size() - 3000);
    const std::size_t n = 1000 + random.below(2000);
    rope.erase(pos, n);
    model.erase(pos, n);
  }
  EXPECT_EQ(rope.to_string(), model);
  EXPECT_LT(rope.chunk_count(), 2 * model.size() / 1024 + 10);
  EXPECT_TRUE(rope.check_invariants());
}

// A 10 MB document: edits at random places, balanced height, one-pass export.
TEST(RopeTest, TenMegabyteDocument) {
  std::string model;
  model.reserve(10u << 20);
  test::Random random(99);
  while (model.size() < (10u << 20)) {
    model += "The quick brown fox jumps over the lazy dog. ";
    if (random.chance(8)) model += "\xE4\xB8\xAD\xF0\x9F\x98\x80\n";
  }
  Rope rope(model);
  EXPECT_EQ(rope.size_bytes(), model.size());
  EXPECT_LT(rope.height(), 64u);
  std::size_t length = rope.length();
  for (int i = 0; i < 2000; ++i) {
    const std::size_t pos = random.below(length + 1);
    if (i % 2 == 0) {
      rope.insert(pos, "\xC3\xA9");
      ++length;
    } else if (pos < length) {
      rope.erase(pos, 1);
      --length;
    }
  }
  EXPECT_EQ(rope.length(), length);
  EXPECT_LT(rope.height(), 64u);
  const std::string exported = rope.to_string();
  EXPECT_EQ(exported.size(), rope.size_bytes());
  EXPECT_TRUE(is_valid_utf8(exported));
  EXPECT_EQ(count_code_points(exported), length);
  EXPECT_TRUE(rope.check_invariants());
}

TEST(RopeTest, ApplyOnLargeDocumentMatchesStringApply) {
  test::Random random(3);
  std::string text = utf8(random.text(200'000));
  Rope rope(text);
  for (int i = 0; i < 300; ++i) {
    const Op op = random.op(rope.length());
    ASSERT_TRUE(ot::apply(rope, op).ok());
    auto expected = ot::apply(text, op);
    ASSERT_TRUE(expected.ok());
    text = std::move(expected).value();
  }
  EXPECT_EQ(rope.to_string(), text);
  EXPECT_TRUE(rope.check_invariants());
}

TEST(RopeTest, MoveKeepsContent) {
  Rope a("moved 😀");
  Rope b(std::move(a));
  EXPECT_EQ(b.to_string(), "moved 😀");
  Rope c;
  c = std::move(b);
  EXPECT_EQ(c.length(), 7u);
}

}  // namespace
}  // namespace tandem::ot
