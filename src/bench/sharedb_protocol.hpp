#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace tandem::bench {

// ShareDB's wire protocol (JSON messages over a WebSocket, as sharedb 7's Agent speaks it),
// as much as a load generator needs. The peer server is bench/peers/sharedb/server.mjs.
//
//   server: {"a":"init",...}                                         on connect
//   client: {"a":"s","c":C,"d":D,"v":null}                           subscribe
//   server: {"a":"s","c":C,"d":D,"data":{"v":V,"data":TEXT,"type":T}} the snapshot
//   client: {"a":"op","c":C,"d":D,"v":V,"seq":S,"op":[P,"x"]}        submit
//   server: {"a":"op","c":C,"d":D,"v":V,"src":ID,"seq":S,"op":[...]} another client's op
//   server: {"a":"op","c":C,"d":D,"v":V,"src":ID,"seq":S}            the ack of one's own op
//   server: the request echoed with "error":{"code","message"}        a refusal
//
// Ordering: ops queued for a subscriber may arrive before the snapshot reply, and the ops a
// submit was transformed over are sent before its ack and again by the subscription stream.
struct ShareDbMessage {
  enum class Kind : std::uint8_t { kOther, kInit, kSnapshot, kOp, kAck, kError };
  Kind kind = Kind::kOther;
  std::string action;  // "a"
  std::string doc;     // "d"
  std::optional<std::uint64_t> version;
  std::optional<std::uint64_t> seq;
  std::string src;
  std::uint64_t text_length = 0;  // snapshots: the text's length in code points
  std::string error_code;         // errors: ShareDB's code (ERR_...)
};

// One server message; an error string when it is not JSON, not an object, or misses a field
// its kind needs.
Result<ShareDbMessage, std::string> parse_sharedb_message(std::string_view text);

std::string sharedb_subscribe(std::string_view collection, std::string_view doc);
std::string sharedb_submit(std::string_view collection, std::string_view doc, std::uint64_t version,
                           std::uint64_t seq, std::uint64_t position, char letter);

}  // namespace tandem::bench
