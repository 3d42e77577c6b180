#include "ot/invert.hpp"

#include "ot/apply.hpp"
#include "ot_test_support.hpp"

#include <gtest/gtest.h>

namespace tandem::ot {
namespace {

TEST(Invert, TakesEachKindOfComponentBack) {
  const Rope before("héllo wörld");
  const Op op = test::op(R"([1, {"d": 4}, "ey", 2, {"d": 1}, "😀"])");
  EXPECT_EQ(test::json(invert(op, before)), R"([1,"éllo",{"d":2},2,"ö",{"d":1}])");
}

TEST(Invert, UndoesRandomOpsOnRandomTexts) {
  for (std::uint64_t seed = 1; seed <= 2000; ++seed) {
    test::Random random(seed);
    const std::string text = test::utf8(random.text(random.below(40)));
    Rope rope(text);
    const Op op = random.op(rope.length());
    const Op undo = invert(op, rope);
    ASSERT_TRUE(apply(rope, op).ok()) << "seed " << seed;
    ASSERT_TRUE(apply(rope, undo).ok()) << "seed " << seed;
    EXPECT_EQ(rope.to_string(), text) << "seed " << seed << ": " << test::json(op);
    EXPECT_TRUE(is_normalized(undo)) << test::json(undo);
  }
}

}  // namespace
}  // namespace tandem::ot
