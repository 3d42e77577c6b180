#pragma once

#include "proto/error.hpp"
#include "server/http_downlink.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tandem::server {

// What a downlink request (GET /v1/sse, GET /v1/poll) asks for.
struct DownlinkQuery {
  std::string client;
  std::vector<DownlinkSubscription> subscriptions;
};

// Parses `client=ID&sub=DOC@N&sub=DOC...` (the target's query string); a missing client, a bad
// id, a repeated document or more than `max_docs` subscriptions is an error.
proto::Result<DownlinkQuery> parse_downlink_query(std::string_view target, std::size_t max_docs);

// Applies an SSE resume cursor ("DOC@N,DOC@N", the Last-Event-ID) over the query's versions:
// a browser reconnects to the same URL, so the cursor is newer than the URL. Unknown or
// malformed entries are ignored.
void apply_resume_cursor(std::string_view cursor, DownlinkQuery& query);

}  // namespace tandem::server
