#include "collab/rebase.hpp"

#include "ot/apply.hpp"
#include "ot/op_json.hpp"
#include "ot/transform.hpp"
#include "ot/utf8.hpp"
#include "ot_test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::collab {
namespace {

// Two sequences of ops made against the same document version, each transformed over the
// other one op at a time (`mine` with Side::kLeft, as a late submit): `mine` to apply after
// `theirs`, and `theirs` after `mine`. The actor does not rebase this way (for batches of
// several ops it would need TP2); the tests use it to show why, and to check TP1.
struct CrossedOps {
  std::vector<ot::Op> mine_after_theirs;
  std::vector<ot::Op> theirs_after_mine;
};

CrossedOps cross(std::vector<ot::Op> mine, std::vector<ot::Op> theirs) {
  // The diamond, one op of `mine` at a time: each crosses every op of `theirs`, and `theirs`
  // moves past it on the way.
  CrossedOps crossed;
  crossed.mine_after_theirs.reserve(mine.size());
  for (ot::Op& op : mine) {
    for (ot::Op& other : theirs) {
      ot::Op op_after = ot::transform(op, other, ot::Side::kLeft);
      other = ot::transform(other, op, ot::Side::kRight);
      op = std::move(op_after);
    }
    crossed.mine_after_theirs.push_back(std::move(op));
  }
  crossed.theirs_after_mine = std::move(theirs);
  return crossed;
}

using ot::test::Random;

// A sequence of `count` ops, each made against the text the ones before it left.
std::vector<ot::Op> random_sequence(Random& random, std::string text, std::size_t count) {
  std::vector<ot::Op> ops;
  for (std::size_t i = 0; i < count; ++i) {
    ops.push_back(random.op(ot::count_code_points(text)));
    text = ot::apply(text, ops.back()).value();
  }
  return ops;
}

std::string apply_all(std::string text, const std::vector<ot::Op>& ops) {
  for (const ot::Op& op : ops) {
    auto applied = ot::apply(text, op);
    EXPECT_TRUE(applied.ok()) << ot::encode_op(op) << " on " << text;
    if (!applied.ok()) return {};
    text = std::move(applied.value());
  }
  return text;
}

std::vector<store::StoredOp> stored(const std::vector<ot::Op>& ops, const std::string& client,
                                    std::uint64_t first_version) {
  std::vector<store::StoredOp> out;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    out.push_back(store::StoredOp{first_version + i, client, i + 1, ot::encode_op(ops[i]), 0});
  }
  return out;
}

TEST(Cross, BothOrdersConvergeOnRandomSequences) {
  for (std::uint64_t seed = 1; seed <= 2000; ++seed) {
    Random random(seed);
    const std::string text = ot::test::utf8(random.text(random.below(12)));
    const auto mine = random_sequence(random, text, random.below(5));
    const auto theirs = random_sequence(random, text, random.below(5));
    const CrossedOps crossed = cross(mine, theirs);
    ASSERT_EQ(crossed.mine_after_theirs.size(), mine.size());
    ASSERT_EQ(crossed.theirs_after_mine.size(), theirs.size());
    auto after_theirs = apply_all(apply_all(text, theirs), crossed.mine_after_theirs);
    auto after_mine = apply_all(apply_all(text, mine), crossed.theirs_after_mine);
    ASSERT_EQ(after_theirs, after_mine) << "seed " << seed;
  }
}

TEST(Cross, MineTakesTheLeftSideOfATie) {
  // Both insert at 0: `theirs` is first in the log, and `mine` keeps its text first as a late
  // submit transformed over the log (Side::kLeft) would.
  const CrossedOps crossed = cross({ot::test::op(R"(["a"])")}, {ot::test::op(R"(["b"])")});
  EXPECT_EQ(apply_all("", {ot::test::op(R"(["b"])"), crossed.mine_after_theirs[0]}), "ab");
  EXPECT_EQ(apply_all("", {ot::test::op(R"(["a"])"), crossed.theirs_after_mine[0]}), "ab");
}

TEST(Cross, NothingOnEitherSideChangesNothing) {
  const auto op = ot::test::op(R"([1, "x"])");
  EXPECT_EQ(cross({op}, {}).mine_after_theirs, std::vector<ot::Op>{op});
  EXPECT_EQ(cross({}, {op}).theirs_after_mine, std::vector<ot::Op>{op});
}

// The forms at the head make_rebase needs, for a batch of `ops` all made at its first version.
std::shared_ptr<const std::vector<ot::Op>> forms(std::vector<ot::Op> ops) {
  return std::make_shared<const std::vector<ot::Op>>(std::move(ops));
}

TEST(MakeRebase, TransformsAnOpOverForeignOpsAsItsAuthorDoesAndKeepsItsAuthor) {
  for (std::uint64_t seed = 1; seed <= 500; ++seed) {
    Random random(seed);
    const std::string text = ot::test::utf8(random.text(random.below(10)));
    const auto mine = random_sequence(random, text, 1);
    const auto rebase = make_rebase(ot::Limits{}, forms(mine));
    const auto theirs = random_sequence(random, text, 1 + random.below(4));
    auto rebased = rebase(stored(theirs, "other", 5), stored(mine, "me", 5));
    ASSERT_TRUE(rebased.ok()) << rebased.error().message;
    ASSERT_EQ(rebased->size(), mine.size());
    std::vector<ot::Op> after;
    for (std::size_t i = 0; i < mine.size(); ++i) {
      EXPECT_EQ((*rebased)[i].client, "me");
      EXPECT_EQ((*rebased)[i].seq, i + 1);
      after.push_back(ot::decode_op((*rebased)[i].op_json).value());
    }
    const CrossedOps crossed = cross(mine, theirs);
    EXPECT_EQ(after, crossed.mine_after_theirs) << "seed " << seed;
    // The author transforms its op over each foreign op in order, with side left.
    ot::Op authors = mine[0];
    for (const ot::Op& op : theirs) authors = ot::transform(authors, op, ot::Side::kLeft);
    EXPECT_EQ(after[0], authors) << "seed " << seed;
    EXPECT_EQ(apply_all(apply_all(text, theirs), after),
              apply_all(apply_all(text, mine), crossed.theirs_after_mine));
  }
}

TEST(MakeRebase, RefusesABatchWithAnOpAnotherNodeAlreadyAppended) {
  const auto rebase = make_rebase(ot::Limits{}, forms({ot::test::op(R"(["b"])")}));
  const std::vector<store::StoredOp> foreign = {{3, "other", 1, R"(["x"])", 0},
                                                {4, "me", 2, R"(["y"])", 0}};
  const std::vector<store::StoredOp> mine = {{3, "me", 2, R"(["b"])", 0}};
  auto rebased = rebase(foreign, mine);
  ASSERT_FALSE(rebased.ok());
  EXPECT_EQ(rebased.error().code, store::ErrorCode::kConflict);
  EXPECT_NE(rebased.error().message.find("(me, 2)"), std::string::npos);
  // Same seq, another client: no conflict.
  const std::vector<store::StoredOp> others = {{3, "other", 2, R"(["x"])", 0}};
  EXPECT_TRUE(rebase(others, mine).ok());
}

TEST(MakeRebase, RebasesEachOpOfABatchInTheOrderItsAuthorTransformsIt) {
  // On "abcdef": the batch inserts "e" at 0, then "X" at 5 (made at the same version as the
  // "e", so [6,"X"] after it); another node deleted the first five characters first. Crossing
  // the batch as a block would put "X" after the "e", but X's author transforms its op over the
  // deletion, then over the "e" (the log's order), and gets "Xef": TP2 does not hold, so each
  // op is rebased from its form at the batch's first version, in log order.
  const auto deletion = ot::test::op(R"([{"d":5}])");
  const auto e = ot::test::op(R"(["e"])");
  const auto x_at_head = ot::test::op(R"([5,"X"])");
  const std::vector<store::StoredOp> foreign = {{1, "other", 1, R"([{"d":5}])", 0}};
  const std::vector<store::StoredOp> mine = {{1, "a", 1, R"(["e"])", 0},
                                             {2, "b", 1, R"([6,"X"])", 0}};
  auto rebased = make_rebase(ot::Limits{}, forms({e, x_at_head}))(foreign, mine);
  ASSERT_TRUE(rebased.ok()) << rebased.error().message;
  const ot::Op e_rebased = ot::decode_op((*rebased)[0].op_json).value();
  const ot::Op x_rebased = ot::decode_op((*rebased)[1].op_json).value();
  EXPECT_EQ(e_rebased, ot::transform(e, deletion, ot::Side::kLeft));
  const ot::Op authors = ot::transform(ot::transform(x_at_head, deletion, ot::Side::kLeft),
                                       e_rebased, ot::Side::kLeft);
  EXPECT_EQ(x_rebased, authors);
  EXPECT_EQ(apply_all("abcdef", {deletion, e_rebased, x_rebased}), "Xef");
  const CrossedOps crossed = cross({e, ot::test::op(R"([6,"X"])")}, {deletion});
  EXPECT_NE(crossed.mine_after_theirs[1], authors);
  // Without its forms at the head a batch cannot move, and is refused.
  auto refused = make_rebase(ot::Limits{}, nullptr)(foreign, mine);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, store::ErrorCode::kConflict);
  // Without foreign ops there is nothing to rebase: any batch goes in as it is.
  auto alone = make_rebase(ot::Limits{}, nullptr)({}, mine);
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(alone.value(), mine);
}

TEST(MakeRebase, RefusesUnreadableForeignOpsAsCorrupt) {
  const auto rebase = make_rebase(ot::Limits{}, forms({ot::test::op(R"(["x"])")}));
  const std::vector<store::StoredOp> good = {{0, "a", 1, R"(["x"])", 0}};
  const std::vector<store::StoredOp> bad = {{0, "b", 1, R"(not json)", 0}};
  auto foreign_bad = rebase(bad, good);
  ASSERT_FALSE(foreign_bad.ok());
  EXPECT_EQ(foreign_bad.error().code, store::ErrorCode::kCorrupt);
}

TEST(MakeRebase, NoForeignOpsLeavesTheBatchAsItIs) {
  const auto rebase = make_rebase(ot::Limits{}, nullptr);
  const std::vector<store::StoredOp> mine = {{7, "me", 4, R"([2,"ab"])", 12}};
  auto rebased = rebase({}, mine);
  ASSERT_TRUE(rebased.ok());
  EXPECT_EQ(rebased.value(), mine);
}

}  // namespace
}  // namespace tandem::collab
