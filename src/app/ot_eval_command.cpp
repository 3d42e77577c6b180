#include "app/ot_eval_command.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>

#include "ot/apply.hpp"
#include "ot/compose.hpp"
#include "ot/diff.hpp"
#include "ot/limits.hpp"
#include "ot/op_json.hpp"
#include "ot/position.hpp"
#include "ot/rope.hpp"
#include "ot/transform.hpp"
#include "ot/utf8.hpp"

namespace tandem::app {
namespace {

namespace json = boost::json;

// An answer is either a result value or an error with a snake_case code.
struct Failure {
  std::string code;
  std::string message;
};

Failure from_ot(const ot::Error& error) {
  return Failure{std::string(error.code_name()), error.message};
}

std::string reply_ok(json::value result) {
  json::object reply;
  reply["ok"] = true;
  reply["result"] = std::move(result);
  return json::serialize(reply);
}

std::string reply_error(const Failure& failure) {
  json::object reply;
  reply["ok"] = false;
  reply["error"] = json::object{{"code", failure.code}, {"message", failure.message}};
  return json::serialize(reply);
}

const json::value* field(const json::object& request, std::string_view name, Failure& failure) {
  const json::value* value = request.if_contains(name);
  if (value == nullptr)
    failure = Failure{"bad_request", "missing field \"" + std::string(name) + "\""};
  return value;
}

bool read_op(const json::object& request, std::string_view name, ot::Op& op, Failure& failure) {
  const json::value* value = field(request, name, failure);
  if (value == nullptr) return false;
  // Components as sent, so transform reproduces the reference even for unmerged inserts.
  auto decoded = ot::op_from_json(*value, ot::Limits{}, ot::Boundaries::kKeep);
  if (!decoded) {
    failure = from_ot(decoded.error());
    failure.message = "\"" + std::string(name) + "\": " + failure.message;
    return false;
  }
  op = std::move(decoded).value();
  return true;
}

bool read_text(const json::object& request, std::string_view name, std::string_view& text,
               Failure& failure) {
  const json::value* value = field(request, name, failure);
  if (value == nullptr) return false;
  const json::string* string = value->if_string();
  if (string == nullptr) {
    failure = Failure{"bad_request", "\"" + std::string(name) + "\" must be a string"};
    return false;
  }
  if (auto checked = ot::validate_utf8(*string); !checked) {
    failure = from_ot(checked.error());
    return false;
  }
  text = *string;
  return true;
}

// A cursor position: an integer in [0, 2^53-1].
bool read_position(const json::value& value, std::uint64_t& position, Failure& failure) {
  bool valid = false;
  if (const auto* i = value.if_int64()) {
    valid = *i >= 0 && static_cast<std::uint64_t>(*i) <= ot::kMaxLength;
    position = valid ? static_cast<std::uint64_t>(*i) : 0;
  } else if (const auto* u = value.if_uint64()) {
    valid = *u <= ot::kMaxLength;
    position = *u;
  } else if (const auto* d = value.if_double()) {
    valid = std::trunc(*d) == *d && *d >= 0 && *d <= static_cast<double>(ot::kMaxLength);
    position = valid ? static_cast<std::uint64_t>(*d) : 0;
  }
  if (!valid) failure = Failure{"bad_number", "position must be an integer in [0, 2^53-1]"};
  return valid;
}

json::value evaluate(const json::object& request, Failure& failure, bool& ok) {
  ok = false;
  const json::value* fn_value = field(request, "fn", failure);
  if (fn_value == nullptr) return {};
  const json::string* fn = fn_value->if_string();
  if (fn == nullptr) {
    failure = Failure{"bad_request", "\"fn\" must be a string"};
    return {};
  }
  ot::Op op;
  ot::Op other;
  if (*fn == "apply") {
    std::string_view doc;
    if (!read_text(request, "doc", doc, failure) || !read_op(request, "op", op, failure)) return {};
    // Through the Rope, which is the server's path.
    ot::Rope rope(doc);
    if (auto applied = ot::apply(rope, op); !applied) {
      failure = from_ot(applied.error());
      return {};
    }
    ok = true;
    return json::string(rope.to_string());
  }
  if (*fn == "transform") {
    if (!read_op(request, "op", op, failure) || !read_op(request, "other", other, failure))
      return {};
    const json::value* side_value = field(request, "side", failure);
    if (side_value == nullptr) return {};
    const json::string* side_name = side_value->if_string();
    const auto side = side_name != nullptr ? ot::parse_side(*side_name) : std::nullopt;
    if (!side) {
      failure = Failure{"bad_side", "\"side\" must be \"left\" or \"right\""};
      return {};
    }
    ok = true;
    return ot::op_to_json(ot::transform(op, other, *side));
  }
  if (*fn == "compose") {
    if (!read_op(request, "a", op, failure) || !read_op(request, "b", other, failure)) return {};
    ok = true;
    return ot::op_to_json(ot::compose(op, other));
  }
  if (*fn == "transformPosition") {
    const json::value* pos = field(request, "pos", failure);
    std::uint64_t position = 0;
    if (pos == nullptr || !read_position(*pos, position, failure)) return {};
    if (!read_op(request, "op", op, failure)) return {};
    ok = true;
    return ot::transform_position(position, op);
  }
  if (*fn == "transformSelection") {
    // A bare position, or [anchor, head].
    const json::value* sel = field(request, "sel", failure);
    if (sel == nullptr) return {};
    if (!read_op(request, "op", op, failure)) return {};
    std::uint64_t anchor = 0;
    std::uint64_t head = 0;
    if (sel->is_number()) {
      if (!read_position(*sel, anchor, failure)) return {};
      ok = true;
      return ot::transform_position(anchor, op);
    }
    const json::array* pair = sel->if_array();
    if (pair == nullptr || pair->size() != 2) {
      failure = Failure{"bad_request", "\"sel\" must be a position or [anchor, head]"};
      return {};
    }
    if (!read_position((*pair)[0], anchor, failure) || !read_position((*pair)[1], head, failure)) {
      return {};
    }
    const ot::Selection moved = ot::transform_selection(ot::Selection{anchor, head}, op);
    ok = true;
    return json::array{moved.anchor, moved.head};
  }
  if (*fn == "diff") {
    std::string_view from;
    std::string_view to;
    if (!read_text(request, "from", from, failure) || !read_text(request, "to", to, failure)) {
      return {};
    }
    ok = true;
    return ot::op_to_json(ot::diff(from, to));
  }
  failure = Failure{"unknown_fn", "unknown fn \"" + std::string(*fn) + "\""};
  return {};
}

std::string answer(std::string_view line) {
  if (auto checked = ot::validate_utf8(line); !checked)
    return reply_error(from_ot(checked.error()));
  boost::system::error_code ec;
  json::value request = json::parse(line, ec);
  if (ec) {
    if (ot::has_lone_surrogate_escape(line)) {
      return reply_error(Failure{"lone_surrogate", "unpaired UTF-16 surrogate escape in string"});
    }
    return reply_error(Failure{"invalid_json", "line is not valid JSON: " + ec.message()});
  }
  const json::object* object = request.if_object();
  if (object == nullptr)
    return reply_error(Failure{"bad_request", "request must be a JSON object"});
  Failure failure;
  bool ok = false;
  json::value result = evaluate(*object, failure, ok);
  return ok ? reply_ok(std::move(result)) : reply_error(failure);
}

}  // namespace

int run_ot_eval(std::istream& in, std::ostream& out) {
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out << answer(line) << '\n';
    // Flush before we would block on input, so a peer can drive us one line at a time.
    if (in.rdbuf()->in_avail() <= 0) out.flush();
    if (!out) return 1;
  }
  out.flush();
  return out ? 0 : 1;
}

}  // namespace tandem::app
