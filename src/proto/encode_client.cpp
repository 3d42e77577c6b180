#include "proto/encode_client.hpp"

#include "ot/op_json.hpp"
#include "proto/json_writer.hpp"
#include "proto/negotiation.hpp"

namespace tandem::proto {

void encode(const Hello& message, std::string& out) {
  out.append(R"({"t":"hello")");
  JsonFields fields(out, false);
  fields.string("client", message.client);
  if (message.token) fields.string("token", *message.token);
  if (message.negotiation) {
    fields.key("negotiation");
    append_negotiation(*message.negotiation, out);
  }
  out.push_back('}');
}

void encode(const Subscribe& message, std::string& out) {
  out.append(R"({"t":"sub")");
  JsonFields fields(out, false);
  fields.string("doc", message.doc);
  if (message.version) fields.integer("v", *message.version);
  out.push_back('}');
}

void encode(const Unsubscribe& message, std::string& out) {
  out.append(R"({"t":"unsub")");
  JsonFields fields(out, false);
  fields.string("doc", message.doc);
  out.push_back('}');
}

void encode(const SubmitOp& message, std::string& out) {
  out.reserve(out.size() + 64 + message.doc.size() + message.op.size() * 8 +
              ot::inserted_bytes(message.op));
  out.append(R"({"t":"op")");
  JsonFields fields(out, false);
  fields.string("doc", message.doc);
  fields.integer("v", message.base_version);
  fields.integer("seq", message.seq);
  fields.key("op");
  ot::encode_op(message.op, out);
  out.push_back('}');
}

void encode(const PresenceUpdate& message, std::string& out) {
  out.append(R"({"t":"presence")");
  JsonFields fields(out, false);
  fields.string("doc", message.doc);
  fields.integer("v", message.version);
  fields.key("sel");
  append_selections(message.selections, out);
  if (message.name) fields.string("name", *message.name);
  if (message.color) fields.string("color", *message.color);
  out.push_back('}');
}

void encode(const Ping& message, std::string& out) {
  out.append(R"({"t":"ping")");
  JsonFields fields(out, false);
  fields.integer("id", message.id);
  out.push_back('}');
}

void encode(const ClientMessage& message, std::string& out) {
  std::visit([&out](const auto& alternative) { encode(alternative, out); }, message);
}

std::string encode(const ClientMessage& message) {
  std::string out;
  encode(message, out);
  return out;
}

std::string encode_batch(const std::vector<ClientMessage>& messages) {
  std::string out = "[";
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i > 0) out.push_back(',');
    encode(messages[i], out);
  }
  out.push_back(']');
  return out;
}

}  // namespace tandem::proto
