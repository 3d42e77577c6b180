#include "collab/bus_message.hpp"

#include "proto/json_parse.hpp"
#include "proto/json_writer.hpp"

#include <boost/json/serialize.hpp>

#include <limits>
#include <utility>

namespace tandem::collab {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxDepth = 64;  // ops nest 3 deep; room for the envelope

void append_op(const store::StoredOp& op, std::string& out) {
  out.push_back('{');
  proto::JsonFields fields(out);
  fields.integer("v", op.version);
  fields.string("c", op.client);
  fields.integer("s", op.seq);
  fields.integer("tm", static_cast<std::uint64_t>(op.time_ms));
  fields.key("o");
  out.append(op.op_json);
  out.push_back('}');
}

struct Encoder {
  std::string& out;

  void operator()(const BusOps& message) const {
    proto::JsonFields fields(out);
    fields.string("t", "ops");
    fields.key("ops");
    out.push_back('[');
    for (std::size_t i = 0; i < message.ops.size(); ++i) {
      if (i > 0) out.push_back(',');
      append_op(message.ops[i], out);
    }
    out.push_back(']');
  }
  void operator()(const BusHead& message) const {
    proto::JsonFields fields(out);
    fields.string("t", "head");
    fields.integer("head", message.head);
  }
  void operator()(const BusPresence& message) const {
    proto::JsonFields fields(out);
    fields.string("t", "presence");
    fields.string("c", message.client);
    fields.integer("v", message.version);
    fields.string("name", message.state.name);
    fields.string("color", message.state.color);
    fields.key("sel");
    proto::append_selections(message.state.selections, out);
  }
  void operator()(const BusGone& message) const {
    proto::JsonFields fields(out);
    fields.string("t", "gone");
    fields.string("c", message.client);
  }
};

proto::Error bad(std::string message) {
  return proto::Error{proto::ErrorCode::kBadMessage, "bus message: " + std::move(message), {}, {}};
}

const json::value* field(const json::object& object, std::string_view name) {
  return object.if_contains(name);
}

bool read_string(const json::object& object, std::string_view name, std::string& out) {
  const json::value* value = field(object, name);
  if (value == nullptr || !value->is_string()) return false;
  out.assign(value->get_string().data(), value->get_string().size());
  return true;
}

bool read_uint(const json::value& value, std::uint64_t& out) {
  if (value.is_uint64()) {
    out = value.get_uint64();
    return true;
  }
  if (value.is_int64() && value.get_int64() >= 0) {
    out = static_cast<std::uint64_t>(value.get_int64());
    return true;
  }
  return false;
}

bool read_uint(const json::object& object, std::string_view name, std::uint64_t& out) {
  const json::value* value = field(object, name);
  return value != nullptr && read_uint(*value, out);
}

// Op numbers are integers; a fraction, or an integer too large for one (parsed as a double,
// maybe infinite), would not survive being passed on as JSON.
bool has_non_integer(const json::value& value) {
  if (value.is_double()) return true;
  if (value.is_array()) {
    for (const json::value& item : value.get_array()) {
      if (has_non_integer(item)) return true;
    }
  } else if (value.is_object()) {
    for (const auto& entry : value.get_object()) {
      if (has_non_integer(entry.value())) return true;
    }
  }
  return false;
}

proto::Result<BusMessage> decode_ops(const json::object& object) {
  const json::value* list = field(object, "ops");
  if (list == nullptr || !list->is_array() || list->get_array().empty()) {
    return bad("\"ops\" must be a non-empty array");
  }
  BusOps message;
  for (const json::value& item : list->get_array()) {
    if (!item.is_object()) return bad("each op must be an object");
    const json::object& entry = item.get_object();
    store::StoredOp op;
    std::uint64_t time_ms = 0;
    const json::value* body = field(entry, "o");
    if (!read_uint(entry, "v", op.version) || !read_string(entry, "c", op.client) ||
        !read_uint(entry, "s", op.seq) || !read_uint(entry, "tm", time_ms) || body == nullptr ||
        time_ms > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return bad("an op needs \"v\", \"c\", \"s\", \"tm\" and \"o\"");
    }
    if (has_non_integer(*body)) return bad("op numbers must be integers");
    if (!message.ops.empty() && op.version != message.ops.back().version + 1) {
      return bad("ops must have consecutive versions");
    }
    op.time_ms = static_cast<std::int64_t>(time_ms);
    op.op_json = json::serialize(*body);
    message.ops.push_back(std::move(op));
  }
  return BusMessage{std::move(message)};
}

proto::Result<BusMessage> decode_presence(const json::object& object) {
  BusPresence message;
  const json::value* selections = field(object, "sel");
  if (!read_string(object, "c", message.client) || !read_uint(object, "v", message.version) ||
      !read_string(object, "name", message.state.name) ||
      !read_string(object, "color", message.state.color) || selections == nullptr ||
      !selections->is_array()) {
    return bad("presence needs \"c\", \"v\", \"name\", \"color\" and \"sel\"");
  }
  for (const json::value& pair : selections->get_array()) {
    if (!pair.is_array() || pair.get_array().size() != 2)
      return bad("a selection is [anchor, head]");
    const json::array& ends = pair.get_array();
    ot::Selection selection;
    if (!read_uint(ends[0], selection.anchor) || !read_uint(ends[1], selection.head)) {
      return bad("selection ends must be non-negative integers");
    }
    message.state.selections.push_back(selection);
  }
  return BusMessage{std::move(message)};
}

}  // namespace

std::string encode_bus_message(const BusMessage& message) {
  std::string out;
  out.push_back('{');
  std::visit(Encoder{out}, message);
  out.push_back('}');
  return out;
}

proto::Result<BusMessage> decode_bus_message(std::string_view payload, std::size_t max_bytes) {
  auto parsed = proto::parse_json(payload, max_bytes, kMaxDepth, {});
  if (!parsed.ok()) return std::move(parsed).error();
  if (!parsed->is_object()) return bad("not an object");
  const json::object& object = parsed->get_object();
  std::string type;
  if (!read_string(object, "t", type)) return bad("\"t\" is missing");
  if (type == "ops") return decode_ops(object);
  if (type == "presence") return decode_presence(object);
  if (type == "head") {
    BusHead message;
    if (!read_uint(object, "head", message.head)) return bad("\"head\" is missing");
    return BusMessage{message};
  }
  if (type == "gone") {
    BusGone message;
    if (!read_string(object, "c", message.client)) return bad("\"c\" is missing");
    return BusMessage{std::move(message)};
  }
  return bad("unknown type \"" + type + "\"");
}

}  // namespace tandem::collab
