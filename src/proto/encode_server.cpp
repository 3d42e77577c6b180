#include "proto/encode_server.hpp"

#include "ot/op_json.hpp"
#include "proto/json_writer.hpp"

namespace tandem::proto {

// Room for the field names and numbers of a message, beyond its strings and op.
constexpr std::size_t kFixedBytes = 96;

void encode(const Welcome& message, std::string& out) {
  out.reserve(out.size() + kFixedBytes * 2 + message.client.size() + message.server.size());
  out.append(R"({"t":"welcome")");
  JsonFields fields(out, false);
  fields.string("client", message.client);
  fields.integer("heartbeat_ms", message.heartbeat_ms);
  fields.key("limits");
  out.push_back('{');
  JsonFields limits(out);
  limits.integer("max_message_bytes", message.limits.max_message_bytes);
  limits.integer("max_docs", message.limits.max_docs);
  limits.integer("max_op_bytes", message.limits.max_op_bytes);
  out.push_back('}');
  fields.string("server", message.server);
  out.push_back('}');
}

void encode(const Snapshot& message, std::string& out) {
  // A few escapes (newlines, quotes) are usual in text; the string grows if there are more.
  out.reserve(out.size() + kFixedBytes + message.doc.size() + message.text.size() +
              message.text.size() / 16);
  out.append(R"({"t":"snapshot")");
  JsonFields fields(out, false);
  fields.string("doc", message.doc);
  fields.integer("v", message.version);
  fields.string("text", message.text);
  out.push_back('}');
}

void encode(const OpMessage& message, std::string& out) {
  out.reserve(out.size() + kFixedBytes + message.doc.size() + message.client.size() +
              message.op.size() * 8 + ot::inserted_bytes(message.op));
  out.append(R"({"t":"op")");
  JsonFields fields(out, false);
  fields.string("doc", message.doc);
  fields.integer("v", message.version);
  fields.key("op");
  ot::encode_op(message.op, out);
  fields.string("client", message.client);
  fields.integer("seq", message.seq);
  out.push_back('}');
}

void encode(const Ack& message, std::string& out) {
  out.reserve(out.size() + kFixedBytes + message.doc.size());
  out.append(R"({"t":"ack")");
  JsonFields fields(out, false);
  fields.string("doc", message.doc);
  fields.integer("v", message.version);
  fields.integer("seq", message.seq);
  out.push_back('}');
}

void encode(const PresenceMessage& message, std::string& out) {
  out.reserve(out.size() + kFixedBytes * 2 + message.doc.size() + message.client.size() +
              message.selections.size() * 16 + message.name.value_or("").size());
  out.append(R"({"t":"presence")");
  JsonFields fields(out, false);
  fields.string("doc", message.doc);
  fields.string("client", message.client);
  if (message.gone) {
    fields.boolean("gone", true);
    out.push_back('}');
    return;
  }
  fields.integer("v", message.version);
  fields.key("sel");
  append_selections(message.selections, out);
  if (message.name) fields.string("name", *message.name);
  if (message.color) fields.string("color", *message.color);
  out.push_back('}');
}

void encode(const Pong& message, std::string& out) {
  out.append(R"({"t":"pong")");
  JsonFields fields(out, false);
  fields.integer("id", message.id);
  out.push_back('}');
}

void encode(const ErrorMessage& message, std::string& out) {
  out.reserve(out.size() + kFixedBytes + message.message.size());
  out.append(R"({"t":"error")");
  JsonFields fields(out, false);
  fields.string("code", error_code_name(message.code));
  fields.string("message", message.message);
  if (message.doc) fields.string("doc", *message.doc);
  if (message.seq) fields.integer("seq", *message.seq);
  if (message.fatal) fields.boolean("fatal", true);
  if (message.retry_ms) fields.integer("retry_ms", *message.retry_ms);
  out.push_back('}');
}

void encode(const ServerMessage& message, std::string& out) {
  std::visit([&out](const auto& alternative) { encode(alternative, out); }, message);
}

std::string encode(const ServerMessage& message) {
  std::string out;
  encode(message, out);
  return out;
}

}  // namespace tandem::proto
