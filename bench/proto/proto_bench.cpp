// Hot paths of the wire codec. Each op is decoded once when it arrives and each broadcast is
// encoded once and shared by all receivers, so these bound a document's throughput. Targets
// (Release, -O2): decode of a typing op submit <= 1 us, encode of its broadcast <= 200 ns,
// encode of a 10 KB snapshot <= 20 us (sent once per subscribe; ot::append_json_string scans
// byte by byte). Run with --benchmark_repetitions and read the medians.

#include <benchmark/benchmark.h>

#include <string>

#include "ot/op.hpp"
#include "proto/decode_client.hpp"
#include "proto/encode_server.hpp"

namespace tandem::proto {
namespace {

// What a browser sends while someone types: one character at a position in a long document.
constexpr std::string_view kTypingSubmit =
    R"({"t":"op","doc":"team-notes.md","v":18342,"seq":57,"op":[14230,"e"]})";
constexpr std::string_view kReplaceSubmit =
    R"({"t":"op","doc":"team-notes.md","v":18342,"seq":58,"op":[14230,{"d":5},"quick \"brown\" 狐狸 🦊"]})";
constexpr std::string_view kPresenceUpdate =
    R"({"t":"presence","doc":"team-notes.md","v":18342,"sel":[[14231,14231]],"name":"Ada Lovelace","color":"#3366ff"})";

void BM_DecodeTypingOpSubmit(benchmark::State& state) {
  for ([[maybe_unused]] auto _ : state)
    benchmark::DoNotOptimize(decode_client_message(kTypingSubmit));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kTypingSubmit.size()));
}
BENCHMARK(BM_DecodeTypingOpSubmit);

void BM_DecodeReplaceOpSubmit(benchmark::State& state) {
  for ([[maybe_unused]] auto _ : state)
    benchmark::DoNotOptimize(decode_client_message(kReplaceSubmit));
}
BENCHMARK(BM_DecodeReplaceOpSubmit);

void BM_DecodePresenceUpdate(benchmark::State& state) {
  for ([[maybe_unused]] auto _ : state)
    benchmark::DoNotOptimize(decode_client_message(kPresenceUpdate));
}
BENCHMARK(BM_DecodePresenceUpdate);

OpMessage typing_broadcast() {
  ot::Op op;
  ot::append_skip(op, 14230);
  ot::append_insert(op, "e", 1);
  return OpMessage{"team-notes.md", 18342, std::move(op), "k3v9-browser-tab-2", 57};
}

void BM_EncodeOpBroadcast(benchmark::State& state) {
  const OpMessage message = typing_broadcast();
  for ([[maybe_unused]] auto _ : state) benchmark::DoNotOptimize(encode(message));
}
BENCHMARK(BM_EncodeOpBroadcast);

// Appending into a reused buffer, the way a connection's outbound queue would.
void BM_EncodeOpBroadcastIntoBuffer(benchmark::State& state) {
  const OpMessage message = typing_broadcast();
  std::string out;
  for ([[maybe_unused]] auto _ : state) {
    out.clear();
    encode(message, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_EncodeOpBroadcastIntoBuffer);

void BM_EncodeAck(benchmark::State& state) {
  const Ack ack{"team-notes.md", 18342, 57};
  for ([[maybe_unused]] auto _ : state) benchmark::DoNotOptimize(encode(ack));
}
BENCHMARK(BM_EncodeAck);

// 10 KB of prose with lines, quotes, CJK and emoji: the escapes a real document needs.
std::string ten_kilobytes_of_text() {
  std::string text;
  while (text.size() < 10'000) {
    text += "The \"quick\" brown fox jumps over the lazy dog.\n";
    text += "中文段落，含有标点。 🦊 \tindented\n";
  }
  return text;
}

void BM_EncodeSnapshot10KB(benchmark::State& state) {
  const Snapshot snapshot{"team-notes.md", 18342, ten_kilobytes_of_text()};
  for ([[maybe_unused]] auto _ : state) benchmark::DoNotOptimize(encode(snapshot));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * snapshot.text.size()));
}
BENCHMARK(BM_EncodeSnapshot10KB);

}  // namespace
}  // namespace tandem::proto
