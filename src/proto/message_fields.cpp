#include "proto/message_fields.hpp"

#include <boost/json/value.hpp>

#include "ot/op_json.hpp"
#include "ot/utf8.hpp"
#include "proto/identifiers.hpp"

namespace tandem::proto {

Result<std::string> read_doc_id(const FieldReader& fields, std::string_view key) {
  auto id = fields.string(key);
  if (!id) return std::move(id).error();
  if (!is_valid_doc_id(*id)) {
    return fields.error(key, "must be 1-128 characters of A-Z a-z 0-9 . _ ~ - (not . or ..)",
                        ErrorCode::kBadDocId);
  }
  return std::string(*id);
}

Result<std::string> read_client_id(const FieldReader& fields, std::string_view key) {
  auto id = fields.string(key);
  if (!id) return std::move(id).error();
  if (!is_valid_client_id(*id)) {
    return fields.error(key, "must be 1-64 characters of A-Z a-z 0-9 _ -", ErrorCode::kBadClientId);
  }
  return std::string(*id);
}

Result<ot::Op> read_op(const FieldReader& fields, const ProtoLimits& limits) {
  const auto* value = fields.find("op");
  if (value == nullptr) return fields.error("op", "required");
  auto op = ot::op_from_json(*value, limits.op);
  if (!op) return from_ot(op.error(), fields.name("op"));
  return std::move(op).value();
}

Result<std::vector<ot::Selection>> read_selections(const FieldReader& fields,
                                                   const ProtoLimits& limits) {
  const auto* value = fields.find("sel");
  if (value == nullptr) return fields.error("sel", "required (an empty array means no cursor)");
  const auto* ranges = value->if_array();
  if (ranges == nullptr) return fields.error("sel", "must be an array of [anchor, head] pairs");
  if (ranges->size() > limits.max_presence_ranges) {
    return fields.error("sel",
                        "has more than " + std::to_string(limits.max_presence_ranges) + " ranges");
  }
  std::vector<ot::Selection> selections;
  selections.reserve(ranges->size());
  // Names are built only on failure: presence updates are frequent.
  auto range_name = [&](std::size_t i, std::string_view suffix) {
    return fields.name("sel") + "[" + std::to_string(i) + "]" + std::string(suffix);
  };
  for (std::size_t i = 0; i < ranges->size(); ++i) {
    const auto* pair = (*ranges)[i].if_array();
    if (pair == nullptr || pair->size() != 2) {
      return make_error(ErrorCode::kBadMessage, range_name(i, ": must be an [anchor, head] pair"));
    }
    auto anchor = read_integer((*pair)[0], "sel");
    if (!anchor)
      return make_error(ErrorCode::kBadMessage,
                        range_name(i, "[0]: must be an integer from 0 to 2^53-1"));
    auto head = read_integer((*pair)[1], "sel");
    if (!head)
      return make_error(ErrorCode::kBadMessage,
                        range_name(i, "[1]: must be an integer from 0 to 2^53-1"));
    selections.push_back(ot::Selection{*anchor, *head});
  }
  return selections;
}

Result<std::optional<std::string>> read_name(const FieldReader& fields, const ProtoLimits& limits) {
  auto name = fields.optional_string("name");
  if (!name) return std::move(name).error();
  if (!name->has_value()) return std::optional<std::string>();
  // The parser has checked the UTF-8 already.
  if (ot::count_code_points(**name) > limits.max_name_code_points) {
    return fields.error(
        "name", "is longer than " + std::to_string(limits.max_name_code_points) + " code points");
  }
  return std::optional<std::string>(std::string(**name));
}

Result<std::optional<std::string>> read_color(const FieldReader& fields) {
  auto color = fields.optional_string("color");
  if (!color) return std::move(color).error();
  if (!color->has_value()) return std::optional<std::string>();
  if (!is_valid_color(**color)) return fields.error("color", "must be # and six hex digits");
  return std::optional<std::string>(std::string(**color));
}

}  // namespace tandem::proto
