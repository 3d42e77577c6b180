#include "proto/negotiation.hpp"

#include <array>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstddef>

#include "ot/op_json.hpp"
#include "proto/field_reader.hpp"
#include "proto/identifiers.hpp"
#include "proto/json_writer.hpp"

namespace tandem::proto {
namespace {

constexpr std::array<std::string_view, 4> kTransportNames = {"unknown", "websocket", "sse", "poll"};
constexpr std::array<std::string_view, 9> kOutcomeNames = {
    "unknown", "ok", "refused", "hung", "silent", "buffered", "timeout", "origin", "error"};

// Nesting of arrays and objects; stops counting once past `limit`.
std::size_t depth_of(const boost::json::value& value, std::size_t limit) {
  if (limit == 0) return value.is_structured() ? 1 : 0;
  std::size_t deepest = 0;
  if (const auto* array = value.if_array()) {
    for (const auto& item : *array) deepest = std::max(deepest, depth_of(item, limit - 1));
    return deepest + 1;
  }
  if (const auto* object = value.if_object()) {
    for (const auto& item : *object) deepest = std::max(deepest, depth_of(item.value(), limit - 1));
    return deepest + 1;
  }
  return 0;
}

// Milliseconds from performance.now() differences are fractional; whole ones are kept.
Result<std::uint64_t> read_milliseconds(const boost::json::value& value, std::string_view name) {
  if (const auto* d = value.if_double()) {
    if (std::isfinite(*d) && *d >= 0 && *d <= static_cast<double>(kMaxInteger)) {
      return static_cast<std::uint64_t>(std::floor(*d));
    }
  }
  return read_integer(value, name);
}

Result<NegotiationAttempt> decode_attempt(const boost::json::value& value, std::string_view path) {
  const auto* object = value.if_object();
  if (object == nullptr) {
    std::string message(path.substr(0, path.size() - 1));  // without the trailing "."
    message += ": must be an object";
    return make_error(ErrorCode::kBadMessage, std::move(message));
  }
  const FieldReader fields(*object, path);
  NegotiationAttempt attempt;
  auto transport = fields.optional_string("transport");
  if (!transport) return std::move(transport).error();
  if (*transport) attempt.transport = parse_transport(**transport);
  auto outcome = fields.optional_string("outcome");
  if (!outcome) return std::move(outcome).error();
  if (*outcome) attempt.outcome = parse_outcome(**outcome);
  if (const auto* ms = fields.find("ms")) {
    auto read = read_milliseconds(*ms, fields.name("ms"));
    if (!read) return std::move(read).error();
    attempt.ms = *read;
  }
  auto detail = fields.optional_string("detail");
  if (!detail) return std::move(detail).error();
  if (*detail) attempt.detail = std::string(**detail);
  return attempt;
}

}  // namespace

std::string_view transport_name(Transport transport) {
  const auto index = static_cast<std::size_t>(transport);
  return index < kTransportNames.size() ? kTransportNames[index] : kTransportNames[0];
}

std::string_view outcome_name(Outcome outcome) {
  const auto index = static_cast<std::size_t>(outcome);
  return index < kOutcomeNames.size() ? kOutcomeNames[index] : kOutcomeNames[0];
}

Transport parse_transport(std::string_view name) {
  for (std::size_t i = 1; i < kTransportNames.size(); ++i) {
    if (kTransportNames[i] == name) return static_cast<Transport>(i);
  }
  return Transport::kUnknown;
}

Outcome parse_outcome(std::string_view name) {
  for (std::size_t i = 1; i < kOutcomeNames.size(); ++i) {
    if (kOutcomeNames[i] == name) return static_cast<Outcome>(i);
  }
  return Outcome::kUnknown;
}

Result<Negotiation> decode_negotiation(const boost::json::value& value, const ProtoLimits& limits) {
  const auto* object = value.if_object();
  if (object == nullptr)
    return make_error(ErrorCode::kBadMessage, "negotiation: must be an object");
  if (depth_of(value, limits.max_negotiation_depth) > limits.max_negotiation_depth) {
    return make_error(ErrorCode::kTooDeep, "negotiation: nests deeper than " +
                                               std::to_string(limits.max_negotiation_depth) +
                                               " levels");
  }
  Negotiation negotiation;
  negotiation.json = boost::json::serialize(value);
  if (negotiation.json.size() > limits.max_negotiation_bytes) {
    return make_error(
        ErrorCode::kBadMessage,
        "negotiation: larger than " + std::to_string(limits.max_negotiation_bytes) + " bytes");
  }
  const FieldReader fields(*object, "negotiation.");
  auto transport = fields.optional_string("transport");
  if (!transport) return std::move(transport).error();
  if (*transport) negotiation.transport = parse_transport(**transport);
  if (const auto* attempts = fields.find("attempts")) {
    const auto* array = attempts->if_array();
    if (array == nullptr) return fields.error("attempts", "must be an array");
    negotiation.attempts.reserve(array->size());
    for (std::size_t i = 0; i < array->size(); ++i) {
      const std::string path = "negotiation.attempts[" + std::to_string(i) + "].";
      auto attempt = decode_attempt((*array)[i], path);
      if (!attempt) return std::move(attempt).error();
      negotiation.attempts.push_back(std::move(attempt).value());
    }
  }
  auto reconnects = fields.optional_integer("reconnects");
  if (!reconnects) return std::move(reconnects).error();
  negotiation.reconnects = *reconnects;
  auto previous = fields.optional_string("previous");
  if (!previous) return std::move(previous).error();
  if (*previous) negotiation.previous = parse_transport(**previous);
  return negotiation;
}

void append_negotiation(const Negotiation& negotiation, std::string& out) {
  out.push_back('{');
  JsonFields fields(out);
  if (negotiation.transport != Transport::kUnknown) {
    fields.string("transport", transport_name(negotiation.transport));
  }
  if (!negotiation.attempts.empty()) {
    fields.key("attempts");
    out.push_back('[');
    for (std::size_t i = 0; i < negotiation.attempts.size(); ++i) {
      const auto& attempt = negotiation.attempts[i];
      if (i > 0) out.push_back(',');
      out.push_back('{');
      JsonFields item(out);
      if (attempt.transport != Transport::kUnknown) {
        item.string("transport", transport_name(attempt.transport));
      }
      if (attempt.outcome != Outcome::kUnknown)
        item.string("outcome", outcome_name(attempt.outcome));
      if (attempt.ms) item.integer("ms", *attempt.ms);
      if (attempt.detail) item.string("detail", *attempt.detail);
      out.push_back('}');
    }
    out.push_back(']');
  }
  if (negotiation.reconnects) fields.integer("reconnects", *negotiation.reconnects);
  if (negotiation.previous != Transport::kUnknown) {
    fields.string("previous", transport_name(negotiation.previous));
  }
  out.push_back('}');
}

}  // namespace tandem::proto
