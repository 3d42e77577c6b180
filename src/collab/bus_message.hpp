#pragma once

#include "collab/presence_table.hpp"
#include "ot/limits.hpp"
#include "proto/error.hpp"
#include "store/document_store.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tandem::collab {

// What a node tells the others about one document over the bus (the topic is the document id;
// docs/scaling.md, "Bus messages"). All of it is a hint: a receiver that misses one catches up
// from the store.

// Ops this node committed, at consecutive versions.
struct BusOps {
  std::vector<store::StoredOp> ops;
};
// The document's head after a commit whose ops were too large to carry: read them from the store.
struct BusHead {
  std::uint64_t head = 0;
};
// A client on the sending node showed its selections (at `version`), name and colour.
struct BusPresence {
  std::string client;
  std::uint64_t version = 0;
  PresenceState state;
};
// A client on the sending node left the document.
struct BusGone {
  std::string client;
};
using BusMessage = std::variant<BusOps, BusHead, BusPresence, BusGone>;

std::string encode_bus_message(const BusMessage& message);
// Refuses anything malformed with bad_json / bad_message (a bus shared with a buggy or hostile
// peer must not corrupt a document: ops are also checked when applied).
proto::Result<BusMessage> decode_bus_message(std::string_view payload, std::size_t max_bytes);

}  // namespace tandem::collab
