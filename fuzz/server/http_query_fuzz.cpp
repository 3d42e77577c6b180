// The HTTP transports' request parsers: arbitrary downlink targets (`/v1/poll?client=..&sub=..`),
// SSE resume cursors (Last-Event-ID) and Accept-Encoding values never crash; what parses is
// valid (ids that follow the rules, each document once, at most max_docs, versions within
// 2^53-1), and a cursor only moves documents the query named.
//
// Input: three parts separated by '\n': target, cursor, Accept-Encoding.

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "proto/identifiers.hpp"
#include "server/gzip_stream.hpp"
#include "server/http_query.hpp"

// Last: its require() macro would clash with Asio's require() in the headers above.
#include "fuzz_require.hpp"

namespace {

constexpr std::size_t kMaxDocs = 8;
constexpr std::uint64_t kMaxVersion = (std::uint64_t{1} << 53) - 1;

std::string_view next_part(std::string_view& input) {
  const auto newline = input.find('\n');
  const std::string_view part = input.substr(0, newline);
  input = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
  return part;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view target = next_part(input);
  const std::string_view cursor = next_part(input);
  const std::string_view accept_encoding = next_part(input);

  const bool gzip = tandem::server::accepts_gzip(accept_encoding);
  require(gzip == tandem::server::accepts_gzip(accept_encoding));  // accepts_gzip is a function

  auto parsed = tandem::server::parse_downlink_query(target, kMaxDocs);
  if (!parsed.ok()) return 0;
  tandem::server::DownlinkQuery query = std::move(parsed.value());
  require(tandem::proto::is_valid_client_id(query.client));  // client id follows the rules
  require(query.subscriptions.size() <= kMaxDocs);           // at most max_docs subscriptions
  std::set<std::string> docs;
  for (const auto& subscription : query.subscriptions) {
    require(tandem::proto::is_valid_doc_id(subscription.doc));  // doc id follows the rules
    require(docs.insert(subscription.doc).second);              // each document once
    require(!subscription.version || *subscription.version <= kMaxVersion);  // version in range
  }

  const tandem::server::DownlinkQuery before = query;
  tandem::server::apply_resume_cursor(cursor, query);
  require(query.client == before.client);  // the cursor keeps the client
  require(query.subscriptions.size() == before.subscriptions.size());  // the cursor adds nothing
  for (std::size_t i = 0; i < query.subscriptions.size(); ++i) {
    const auto& after = query.subscriptions[i];
    require(after.doc == before.subscriptions[i].doc);         // the cursor keeps the documents
    require(!after.version || *after.version <= kMaxVersion);  // cursor version in range
    if (after.version != before.subscriptions[i].version) {
      // A document the cursor moved is named in it.
      require(cursor.find(after.doc + "@") != std::string_view::npos);
    }
  }
  return 0;
}
