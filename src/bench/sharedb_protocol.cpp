#include "bench/sharedb_protocol.hpp"

#include "bench/peer_json.hpp"
#include "ot/utf8.hpp"

namespace tandem::bench {

Result<ShareDbMessage, std::string> parse_sharedb_message(std::string_view text) {
  const SmallJson json(text);
  if (json.value() == nullptr) return json.error();
  const auto* object = json.value()->if_object();
  if (object == nullptr) return std::string("not a JSON object");

  ShareDbMessage message;
  message.action = json_string(*object, "a");
  message.doc = json_string(*object, "d");
  message.src = json_string(*object, "src");
  message.version = json_count(object->if_contains("v"));
  message.seq = json_count(object->if_contains("seq"));
  if (const auto* error = object->if_contains("error"); error != nullptr && !error->is_null()) {
    message.kind = ShareDbMessage::Kind::kError;
    const auto* details = error->if_object();
    message.error_code = details != nullptr ? json_string(*details, "code") : "";
    if (message.error_code.empty()) message.error_code = "ERR_UNKNOWN";
    return message;
  }
  if (message.action == "init" || message.action == "hs") {
    message.kind = ShareDbMessage::Kind::kInit;
  } else if (message.action == "s") {
    const auto* data = object->if_contains("data");
    const auto* snapshot = data != nullptr ? data->if_object() : nullptr;
    if (snapshot == nullptr) return std::string("subscribe reply without data");
    message.version = json_count(snapshot->if_contains("v"));
    if (!message.version) return std::string("snapshot without a version");
    const auto* body = snapshot->if_contains("data");
    if (body != nullptr && body->is_string()) {
      const auto& s = body->get_string();
      message.text_length = ot::count_code_points(std::string_view(s.data(), s.size()));
    } else if (body != nullptr && !body->is_null()) {
      return std::string("snapshot data is not text");
    }
    message.kind = ShareDbMessage::Kind::kSnapshot;
  } else if (message.action == "op") {
    if (!message.version) return std::string("op without a version");
    if (message.doc.empty()) return std::string("op without a document");
    message.kind = object->contains("op") || object->contains("create") || object->contains("del")
                       ? ShareDbMessage::Kind::kOp
                       : ShareDbMessage::Kind::kAck;
  }
  return message;
}

std::string sharedb_subscribe(std::string_view collection, std::string_view doc) {
  return R"({"a":"s","c":)" + json_quote(collection) + R"(,"d":)" + json_quote(doc) +
         R"(,"v":null})";
}

std::string sharedb_submit(std::string_view collection, std::string_view doc, std::uint64_t version,
                           std::uint64_t seq, std::uint64_t position, char letter) {
  return R"({"a":"op","c":)" + json_quote(collection) + R"(,"d":)" + json_quote(doc) + R"(,"v":)" +
         std::to_string(version) + R"(,"seq":)" + std::to_string(seq) + R"(,"op":)" +
         text_unicode_insert(position, letter) + "}";
}

}  // namespace tandem::bench
