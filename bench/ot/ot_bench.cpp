// Hot paths of the OT type. Targets (Release, -O2): one-character insert or delete at a random
// position of a 10 MB Rope <= 5 us median; transform of two 3-component typing ops <= 200 ns;
// export of 10 MB to UTF-8 <= 20 ms. Run with --benchmark_repetitions and read the medians.

#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "ot/apply.hpp"
#include "ot/compose.hpp"
#include "ot/op_json.hpp"
#include "ot/rope.hpp"
#include "ot/transform.hpp"

namespace tandem::ot {
namespace {

constexpr std::size_t kTenMegabytes = 10u << 20;

// Prose; with `mixed`, every sentence also carries CJK and an emoji so no chunk is all ASCII.
std::string make_document(bool mixed) {
  std::string text;
  text.reserve(kTenMegabytes + 64);
  while (text.size() < kTenMegabytes) {
    text += "The quick brown fox jumps over the lazy dog. ";
    if (mixed) text += "\xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80 ";
  }
  return text;
}

std::vector<std::uint64_t> random_positions(std::uint64_t below, std::size_t count) {
  std::mt19937_64 engine(12345);
  std::uniform_int_distribution<std::uint64_t> pick(0, below);
  std::vector<std::uint64_t> positions(count);
  for (auto& p : positions) p = pick(engine);
  return positions;
}

Op insert_at(std::uint64_t pos, std::string text) {
  Op op;
  append_skip(op, pos);
  op.push_back(Component::insert(std::move(text)));
  return op;
}

Op delete_at(std::uint64_t pos) {
  Op op;
  append_skip(op, pos);
  append_delete(op, 1);
  return op;
}

void BM_RopeApplyInsertChar(benchmark::State& state) {
  Rope rope(make_document(state.range(0) != 0));
  // Ops are prepared up front so only apply() is timed.
  std::vector<Op> ops;
  for (const auto pos : random_positions(rope.length() - 1, 4096))
    ops.push_back(insert_at(pos, "x"));
  std::size_t i = 0;
  for (auto _ : state) {
    auto result = ot::apply(rope, ops[i++ & 4095]);
    benchmark::DoNotOptimize(result);
  }
  state.counters["doc_bytes"] = static_cast<double>(rope.size_bytes());
}
BENCHMARK(BM_RopeApplyInsertChar)->Arg(0)->Arg(1)->ArgName("mixed");

void BM_RopeApplyDeleteChar(benchmark::State& state) {
  Rope rope(make_document(state.range(0) != 0));
  std::vector<Op> ops;
  // Positions stay valid however many deletes run: they lie in the first half.
  for (const auto pos : random_positions(rope.length() / 2, 4096)) ops.push_back(delete_at(pos));
  std::size_t i = 0;
  for (auto _ : state) {
    auto result = ot::apply(rope, ops[i++ & 4095]);
    benchmark::DoNotOptimize(result);
  }
  state.counters["doc_bytes"] = static_cast<double>(rope.size_bytes());
}
BENCHMARK(BM_RopeApplyDeleteChar)->Arg(0)->Arg(1)->ArgName("mixed");

void BM_RopeExport(benchmark::State& state) {
  const Rope rope(make_document(true));
  for (auto _ : state) {
    std::string text = rope.to_string();
    benchmark::DoNotOptimize(text.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * rope.size_bytes()));
}
BENCHMARK(BM_RopeExport)->Unit(benchmark::kMillisecond);

void BM_RopeBuild(benchmark::State& state) {
  const std::string text = make_document(true);
  for (auto _ : state) {
    Rope rope(text);
    benchmark::DoNotOptimize(rope);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_RopeBuild)->Unit(benchmark::kMillisecond);

// Two people typing near each other: [skip, insert, delete] each.
const Op& typing_a() {
  static const Op op = *decode_op(R"([1000, "hello", {"d": 1}])");
  return op;
}
const Op& typing_b() {
  static const Op op = *decode_op(R"([1003, "w\u00f6rld", {"d": 2}])");
  return op;
}

void BM_Transform(benchmark::State& state) {
  const Op& a = typing_a();
  const Op& b = typing_b();
  const Side side = state.range(0) == 0 ? Side::kLeft : Side::kRight;
  for (auto _ : state) {
    Op result = transform(a, b, side);
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_Transform)->Arg(0)->Arg(1)->ArgName("right");

void BM_Compose(benchmark::State& state) {
  const Op& a = typing_a();
  const Op& b = typing_b();
  for (auto _ : state) {
    Op result = compose(a, b);
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_Compose);

void BM_EncodeOp(benchmark::State& state) {
  const Op& op = typing_b();
  for (auto _ : state) {
    std::string text = encode_op(op);
    benchmark::DoNotOptimize(text.data());
  }
}
BENCHMARK(BM_EncodeOp);

void BM_DecodeOp(benchmark::State& state) {
  const std::string text = encode_op(typing_b());
  for (auto _ : state) {
    auto op = decode_op(text);
    benchmark::DoNotOptimize(op);
  }
}
BENCHMARK(BM_DecodeOp);

}  // namespace
}  // namespace tandem::ot
