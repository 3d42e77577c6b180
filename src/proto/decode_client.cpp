#include "proto/decode_client.hpp"

#include <array>
#include <boost/json/monotonic_resource.hpp>

#include "proto/field_reader.hpp"
#include "proto/json_parse.hpp"
#include "proto/message_fields.hpp"
#include "proto/message_type.hpp"
#include "proto/negotiation.hpp"

namespace tandem::proto {
namespace {

// Typical messages parse without touching the heap.
constexpr std::size_t kStackBufferBytes = 4096;

Error in_doc(Error error, const std::string& doc) {
  error.doc = doc;
  return error;
}

Result<ClientMessage> decode_hello(const FieldReader& fields, const ProtoLimits& limits) {
  Hello hello;
  auto client = read_client_id(fields);
  if (!client) return std::move(client).error();
  hello.client = std::move(client).value();
  auto token = fields.optional_string("token");
  if (!token) return std::move(token).error();
  if (*token) {
    if ((*token)->empty()) return fields.error("token", "must not be empty");
    if ((*token)->size() > limits.max_token_bytes) {
      return fields.error("token",
                          "is longer than " + std::to_string(limits.max_token_bytes) + " bytes");
    }
    hello.token = std::string(**token);
  }
  if (const auto* negotiation = fields.find("negotiation")) {
    auto decoded = decode_negotiation(*negotiation, limits);
    if (!decoded) return std::move(decoded).error();
    hello.negotiation = std::move(decoded).value();
  }
  return ClientMessage(std::move(hello));
}

Result<ClientMessage> decode_subscribe(const FieldReader& fields) {
  auto doc = read_doc_id(fields);
  if (!doc) return std::move(doc).error();
  auto version = fields.optional_integer("v");
  if (!version) return in_doc(std::move(version).error(), *doc);
  return ClientMessage(Subscribe{std::move(doc).value(), *version});
}

Result<ClientMessage> decode_unsubscribe(const FieldReader& fields) {
  auto doc = read_doc_id(fields);
  if (!doc) return std::move(doc).error();
  return ClientMessage(Unsubscribe{std::move(doc).value()});
}

Result<ClientMessage> decode_submit(const FieldReader& fields, const ProtoLimits& limits) {
  auto doc = read_doc_id(fields);
  if (!doc) return std::move(doc).error();
  // The seq first, so every later error can name the submit it refuses.
  auto seq = fields.integer("seq", 1);
  if (!seq) return in_doc(std::move(seq).error(), *doc);
  auto with_context = [&](Error error) {
    error.doc = *doc;
    error.seq = *seq;
    return error;
  };
  auto base = fields.integer("v");
  if (!base) return with_context(std::move(base).error());
  auto op = read_op(fields, limits);
  if (!op) return with_context(std::move(op).error());
  return ClientMessage(SubmitOp{std::move(doc).value(), *base, *seq, std::move(op).value()});
}

Result<ClientMessage> decode_presence(const FieldReader& fields, const ProtoLimits& limits) {
  auto doc = read_doc_id(fields);
  if (!doc) return std::move(doc).error();
  auto version = fields.integer("v");
  if (!version) return in_doc(std::move(version).error(), *doc);
  auto selections = read_selections(fields, limits);
  if (!selections) return in_doc(std::move(selections).error(), *doc);
  auto name = read_name(fields, limits);
  if (!name) return in_doc(std::move(name).error(), *doc);
  auto color = read_color(fields);
  if (!color) return in_doc(std::move(color).error(), *doc);
  return ClientMessage(PresenceUpdate{std::move(doc).value(), *version,
                                      std::move(selections).value(), std::move(name).value(),
                                      std::move(color).value()});
}

Result<ClientMessage> decode_ping(const FieldReader& fields) {
  auto id = fields.integer("id");
  if (!id) return std::move(id).error();
  return ClientMessage(Ping{*id});
}

}  // namespace

Result<ClientMessage> decode_client_value(const boost::json::value& json,
                                          const ProtoLimits& limits) {
  const auto* object = json.if_object();
  if (object == nullptr) return make_error(ErrorCode::kBadMessage, "message must be a JSON object");
  const FieldReader fields(*object);
  auto type = fields.string("t");
  if (!type) return std::move(type).error();
  switch (parse_client_type(*type)) {
    case ClientType::kHello:
      return decode_hello(fields, limits);
    case ClientType::kSubscribe:
      return decode_subscribe(fields);
    case ClientType::kUnsubscribe:
      return decode_unsubscribe(fields);
    case ClientType::kSubmitOp:
      return decode_submit(fields, limits);
    case ClientType::kPresence:
      return decode_presence(fields, limits);
    case ClientType::kPing:
      return decode_ping(fields);
    case ClientType::kUnknown:
      break;
  }
  return unknown_type_error(*type);
}

Result<ClientMessage> decode_client_message(std::string_view json, const ProtoLimits& limits) {
  std::array<unsigned char, kStackBufferBytes> buffer;
  boost::json::monotonic_resource resource(buffer.data(), buffer.size());
  auto value = parse_json(json, limits.max_message_bytes, limits.max_depth, &resource);
  if (!value) return std::move(value).error();
  return decode_client_value(*value, limits);
}

BatchResult decode_client_batch(std::string_view json, const ProtoLimits& limits) {
  boost::json::monotonic_resource resource;
  // The batch's own array is one more level around each message.
  auto value = parse_json(json, limits.max_message_bytes, limits.max_depth + 1, &resource);
  if (!value) return std::move(value).error();
  const auto* array = value->if_array();
  if (array == nullptr) {
    return make_error(ErrorCode::kBadMessage, "batch must be a JSON array of messages");
  }
  if (array->size() > limits.max_batch_messages) {
    return make_error(ErrorCode::kMessageTooLarge, "batch has " + std::to_string(array->size()) +
                                                       " messages, limit is " +
                                                       std::to_string(limits.max_batch_messages));
  }
  std::vector<Result<ClientMessage>> messages;
  messages.reserve(array->size());
  for (const auto& item : *array) messages.push_back(decode_client_value(item, limits));
  return messages;
}

}  // namespace tandem::proto
