#pragma once

// The messages of protocol v1 (docs/protocol.md), one struct per "t". Field comments give the
// JSON name where it differs from the member's.

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "ot/op.hpp"
#include "ot/position.hpp"
#include "proto/error.hpp"

namespace tandem::proto {

// ---- The hello's negotiation report -------------------------------------------------------

// Unrecognised names decode as kUnknown, so newer clients never fail a hello over diagnostics.
enum class Transport : std::uint8_t { kUnknown, kWebSocket, kSse, kPoll };
enum class Outcome : std::uint8_t {
  kUnknown,
  kOk,
  kRefused,   // the upgrade or request was answered with an error status
  kHung,      // no answer before the deadline
  kSilent,    // connected, but no protocol message arrived
  kBuffered,  // a stream whose events were held back by something in between
  kTimeout,   // a held request was cut off before its hold time
  kOrigin,    // refused by the origin check
  kError,     // anything else
};

struct NegotiationAttempt {
  Transport transport = Transport::kUnknown;
  Outcome outcome = Outcome::kUnknown;
  std::optional<std::uint64_t> ms;  // how long the attempt took, in milliseconds
  std::optional<std::string> detail;
  friend bool operator==(const NegotiationAttempt&, const NegotiationAttempt&) = default;
};

struct Negotiation {
  Transport transport = Transport::kUnknown;  // the transport in use
  std::vector<NegotiationAttempt> attempts;
  std::optional<std::uint64_t> reconnects;
  // The transport this client used before it switched (moved up to WebSocket or fell back).
  Transport previous = Transport::kUnknown;
  // The whole object as received, compact JSON (at most max_negotiation_bytes), unknown
  // fields included, for logs. Empty when built in code; ignored by == and by encoders.
  std::string json;

  friend bool operator==(const Negotiation& a, const Negotiation& b) {
    return a.transport == b.transport && a.attempts == b.attempts && a.reconnects == b.reconnects &&
           a.previous == b.previous;
  }
};

// ---- Client -> server -----------------------------------------------------------------------

struct Hello {  // "hello"
  std::string client;
  std::optional<std::string> token;  // a JWT; the Authorization header is the other way
  std::optional<Negotiation> negotiation;
  friend bool operator==(const Hello&, const Hello&) = default;
};

struct Subscribe {  // "sub"
  std::string doc;
  std::optional<std::uint64_t> version;  // "v": the version the client has; none: snapshot
  friend bool operator==(const Subscribe&, const Subscribe&) = default;
};

struct Unsubscribe {  // "unsub"
  std::string doc;
  friend bool operator==(const Unsubscribe&, const Unsubscribe&) = default;
};

struct SubmitOp {  // "op"
  std::string doc;
  std::uint64_t base_version = 0;  // "v": the version the op was made against
  std::uint64_t seq = 0;           // >= 1, unique per (client, doc)
  ot::Op op;
  friend bool operator==(const SubmitOp&, const SubmitOp&) = default;
};

struct PresenceUpdate {  // "presence"
  std::string doc;
  std::uint64_t version = 0;              // "v": the version the selections refer to
  std::vector<ot::Selection> selections;  // "sel": [[anchor, head], ...]; empty: no cursor
  std::optional<std::string> name;
  std::optional<std::string> color;  // "#rrggbb"
  friend bool operator==(const PresenceUpdate&, const PresenceUpdate&) = default;
};

struct Ping {  // "ping"
  std::uint64_t id = 0;
  friend bool operator==(const Ping&, const Ping&) = default;
};

using ClientMessage = std::variant<Hello, Subscribe, Unsubscribe, SubmitOp, PresenceUpdate, Ping>;

// ---- Server -> client -----------------------------------------------------------------------

struct WelcomeLimits {
  std::uint64_t max_message_bytes = 0;
  std::uint64_t max_docs = 0;      // subscriptions per connection
  std::uint64_t max_op_bytes = 0;  // UTF-8 bytes one op may insert
  friend bool operator==(const WelcomeLimits&, const WelcomeLimits&) = default;
};

struct Welcome {  // "welcome"
  std::string client;
  std::uint64_t heartbeat_ms = 0;
  WelcomeLimits limits;
  std::string server;  // "tandem/VERSION"
  friend bool operator==(const Welcome&, const Welcome&) = default;
};

struct Snapshot {  // "snapshot"
  std::string doc;
  std::uint64_t version = 0;  // "v"
  std::string text;
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

struct OpMessage {  // "op": the op applied at `version`; the document is at version + 1 after it
  std::string doc;
  std::uint64_t version = 0;  // "v"
  ot::Op op;
  std::string client;  // the author
  std::uint64_t seq = 0;
  friend bool operator==(const OpMessage&, const OpMessage&) = default;
};

struct Ack {  // "ack": the author's own op, applied at `version`
  std::string doc;
  std::uint64_t version = 0;  // "v"
  std::uint64_t seq = 0;
  friend bool operator==(const Ack&, const Ack&) = default;
};

struct PresenceMessage {  // "presence"; with `gone` only doc and client are sent
  std::string doc;
  std::string client;
  bool gone = false;
  std::uint64_t version = 0;              // "v"
  std::vector<ot::Selection> selections;  // "sel"
  std::optional<std::string> name;
  std::optional<std::string> color;
  friend bool operator==(const PresenceMessage&, const PresenceMessage&) = default;
};

struct Pong {  // "pong"
  std::uint64_t id = 0;
  friend bool operator==(const Pong&, const Pong&) = default;
};

struct ErrorMessage {  // "error"
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::optional<std::string> doc;
  std::optional<std::uint64_t> seq;
  bool fatal = false;  // the server closes the connection after sending it
  // How long to wait before retrying (rate_limited, overloaded, too_many_new_docs).
  std::optional<std::uint64_t> retry_ms = std::nullopt;
  friend bool operator==(const ErrorMessage&, const ErrorMessage&) = default;
};

using ServerMessage =
    std::variant<Welcome, Snapshot, OpMessage, Ack, PresenceMessage, Pong, ErrorMessage>;

// True for the alternatives of ClientMessage and of ServerMessage (Hello, OpMessage, ...).
template <class T, class Variant>
struct IsAlternative : std::false_type {};
template <class T, class... Ts>
struct IsAlternative<T, std::variant<Ts...>> : std::bool_constant<(std::is_same_v<T, Ts> || ...)> {
};
template <class T>
concept ClientMessageType = IsAlternative<T, ClientMessage>::value;
template <class T>
concept ServerMessageType = IsAlternative<T, ServerMessage>::value;

// The error frame answering a refused message.
inline ErrorMessage to_error_message(Error error, bool fatal = false) {
  return ErrorMessage{error.code, std::move(error.message), std::move(error.doc), error.seq, fatal};
}

}  // namespace tandem::proto
