#include "proto/decode_server.hpp"

#include <array>
#include <boost/json/monotonic_resource.hpp>

#include "proto/field_reader.hpp"
#include "proto/json_parse.hpp"
#include "proto/message_fields.hpp"
#include "proto/message_type.hpp"

namespace tandem::proto {
namespace {

constexpr std::size_t kStackBufferBytes = 4096;

Result<ServerMessage> decode_welcome(const FieldReader& fields) {
  Welcome welcome;
  auto client = read_client_id(fields);
  if (!client) return std::move(client).error();
  welcome.client = std::move(client).value();
  auto heartbeat = fields.integer("heartbeat_ms");
  if (!heartbeat) return std::move(heartbeat).error();
  welcome.heartbeat_ms = *heartbeat;
  const auto* limits_value = fields.find("limits");
  if (limits_value == nullptr) return fields.error("limits", "required");
  const auto* limits_object = limits_value->if_object();
  if (limits_object == nullptr) return fields.error("limits", "must be an object");
  const FieldReader limits(*limits_object, "limits.");
  auto max_message_bytes = limits.integer("max_message_bytes");
  if (!max_message_bytes) return std::move(max_message_bytes).error();
  auto max_docs = limits.integer("max_docs");
  if (!max_docs) return std::move(max_docs).error();
  auto max_op_bytes = limits.integer("max_op_bytes");
  if (!max_op_bytes) return std::move(max_op_bytes).error();
  welcome.limits = WelcomeLimits{*max_message_bytes, *max_docs, *max_op_bytes};
  auto server = fields.string("server");
  if (!server) return std::move(server).error();
  welcome.server = std::string(*server);
  return ServerMessage(std::move(welcome));
}

Result<ServerMessage> decode_snapshot(const FieldReader& fields) {
  auto doc = read_doc_id(fields);
  if (!doc) return std::move(doc).error();
  auto version = fields.integer("v");
  if (!version) return std::move(version).error();
  auto text = fields.string("text");
  if (!text) return std::move(text).error();
  return ServerMessage(Snapshot{std::move(doc).value(), *version, std::string(*text)});
}

Result<ServerMessage> decode_op(const FieldReader& fields, const ProtoLimits& limits) {
  auto doc = read_doc_id(fields);
  if (!doc) return std::move(doc).error();
  auto version = fields.integer("v");
  if (!version) return std::move(version).error();
  auto op = read_op(fields, limits);
  if (!op) return std::move(op).error();
  auto client = read_client_id(fields);
  if (!client) return std::move(client).error();
  auto seq = fields.integer("seq", 1);
  if (!seq) return std::move(seq).error();
  return ServerMessage(OpMessage{std::move(doc).value(), *version, std::move(op).value(),
                                 std::move(client).value(), *seq});
}

Result<ServerMessage> decode_ack(const FieldReader& fields) {
  auto doc = read_doc_id(fields);
  if (!doc) return std::move(doc).error();
  auto version = fields.integer("v");
  if (!version) return std::move(version).error();
  auto seq = fields.integer("seq", 1);
  if (!seq) return std::move(seq).error();
  return ServerMessage(Ack{std::move(doc).value(), *version, *seq});
}

Result<ServerMessage> decode_presence(const FieldReader& fields, const ProtoLimits& limits) {
  PresenceMessage presence;
  auto doc = read_doc_id(fields);
  if (!doc) return std::move(doc).error();
  presence.doc = std::move(doc).value();
  auto client = read_client_id(fields);
  if (!client) return std::move(client).error();
  presence.client = std::move(client).value();
  auto gone = fields.flag("gone");
  if (!gone) return std::move(gone).error();
  if (*gone) {
    presence.gone = true;
    return ServerMessage(std::move(presence));
  }
  auto version = fields.integer("v");
  if (!version) return std::move(version).error();
  presence.version = *version;
  auto selections = read_selections(fields, limits);
  if (!selections) return std::move(selections).error();
  presence.selections = std::move(selections).value();
  auto name = read_name(fields, limits);
  if (!name) return std::move(name).error();
  presence.name = std::move(name).value();
  auto color = read_color(fields);
  if (!color) return std::move(color).error();
  presence.color = std::move(color).value();
  return ServerMessage(std::move(presence));
}

Result<ServerMessage> decode_pong(const FieldReader& fields) {
  auto id = fields.integer("id");
  if (!id) return std::move(id).error();
  return ServerMessage(Pong{*id});
}

Result<ServerMessage> decode_error(const FieldReader& fields) {
  ErrorMessage error;
  auto code = fields.string("code");
  if (!code) return std::move(code).error();
  error.code = parse_error_code(*code).value_or(ErrorCode::kInternal);
  auto message = fields.string("message");
  if (!message) return std::move(message).error();
  error.message = std::string(*message);
  if (fields.find("doc") != nullptr) {
    auto doc = read_doc_id(fields);
    if (!doc) return std::move(doc).error();
    error.doc = std::move(doc).value();
  }
  if (fields.find("seq") != nullptr) {
    auto seq = fields.integer("seq", 1);
    if (!seq) return std::move(seq).error();
    error.seq = *seq;
  }
  auto fatal = fields.flag("fatal");
  if (!fatal) return std::move(fatal).error();
  error.fatal = *fatal;
  if (fields.find("retry_ms") != nullptr) {
    auto retry = fields.integer("retry_ms");
    if (!retry) return std::move(retry).error();
    error.retry_ms = *retry;
  }
  return ServerMessage(std::move(error));
}

Result<ServerMessage> decode_server_value(const boost::json::value& json,
                                          const ProtoLimits& limits) {
  const auto* object = json.if_object();
  if (object == nullptr) return make_error(ErrorCode::kBadMessage, "message must be a JSON object");
  const FieldReader fields(*object);
  auto type = fields.string("t");
  if (!type) return std::move(type).error();
  switch (parse_server_type(*type)) {
    case ServerType::kWelcome:
      return decode_welcome(fields);
    case ServerType::kSnapshot:
      return decode_snapshot(fields);
    case ServerType::kOp:
      return decode_op(fields, limits);
    case ServerType::kAck:
      return decode_ack(fields);
    case ServerType::kPresence:
      return decode_presence(fields, limits);
    case ServerType::kPong:
      return decode_pong(fields);
    case ServerType::kError:
      return decode_error(fields);
    case ServerType::kUnknown:
      break;
  }
  return unknown_type_error(*type);
}

}  // namespace

Result<ServerMessage> decode_server_message(std::string_view json, const ProtoLimits& limits) {
  std::array<unsigned char, kStackBufferBytes> buffer;
  boost::json::monotonic_resource resource(buffer.data(), buffer.size());
  auto value = parse_json(json, limits.max_message_bytes, limits.max_depth, &resource);
  if (!value) return std::move(value).error();
  return decode_server_value(*value, limits);
}

}  // namespace tandem::proto
