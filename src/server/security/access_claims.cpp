#include "server/security/access_claims.hpp"

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <string_view>
#include <utility>

namespace tandem::server::security {
namespace {

using std::chrono::sys_seconds;

TokenError bad_claims(std::string message) {
  return TokenError{TokenErrorCode::kBadClaims, std::move(message)};
}

// A NumericDate (RFC 7519 §2): a JSON number of seconds since the epoch.
TokenResult<sys_seconds> read_date(const boost::json::value& value, std::string_view claim,
                                   bool round_up) {
  const std::string out_of_range = std::string(claim) + " must be a NumericDate between 0 and " +
                                   std::to_string(kMaxNumericDate);
  if (const auto* signed_value = value.if_int64()) {
    if (*signed_value < 0 || *signed_value > kMaxNumericDate) return bad_claims(out_of_range);
    return sys_seconds(std::chrono::seconds(*signed_value));
  }
  if (const auto* unsigned_value = value.if_uint64()) {
    if (*unsigned_value > static_cast<std::uint64_t>(kMaxNumericDate)) {
      return bad_claims(out_of_range);
    }
    return sys_seconds(std::chrono::seconds(static_cast<std::int64_t>(*unsigned_value)));
  }
  if (const auto* double_value = value.if_double()) {
    const double rounded = round_up ? std::ceil(*double_value) : std::floor(*double_value);
    if (!(rounded >= 0.0 && rounded <= static_cast<double>(kMaxNumericDate))) {
      return bad_claims(out_of_range);
    }
    return sys_seconds(std::chrono::seconds(static_cast<std::int64_t>(rounded)));
  }
  return bad_claims(std::string(claim) + " must be a number of seconds since 1970 (NumericDate)");
}

TokenResult<DocRule> read_rule(const boost::json::value& value, std::size_t index) {
  const std::string where = "docs[" + std::to_string(index) + "]";
  const auto* object = value.if_object();
  if (object == nullptr) return bad_claims(where + " must be an object {pattern, access}");
  DocRule rule;
  bool has_pattern = false;
  bool has_access = false;
  for (const auto& entry : *object) {
    const auto* text = entry.value().if_string();
    if (entry.key() == "pattern") {
      if (text == nullptr) return bad_claims(where + ".pattern must be a string");
      rule.pattern.assign(text->data(), text->size());
      has_pattern = true;
    } else if (entry.key() == "access") {
      const auto access = text == nullptr ? std::nullopt : parse_access(*text);
      if (!access) return bad_claims(where + ".access must be \"read\" or \"write\"");
      rule.access = *access;
      has_access = true;
    } else {
      return bad_claims(where + " has an unknown key; only pattern and access are allowed");
    }
  }
  if (!has_pattern || !has_access) return bad_claims(where + " needs both pattern and access");
  return rule;
}

// Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    unsigned min = 0;
    unsigned code = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2, min = 0x80, code = lead & 0x1FU;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3, min = 0x800, code = lead & 0x0FU;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4, min = 0x10000, code = lead & 0x07U;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0U) != 0x80U) return false;
      code = (code << 6) | (next & 0x3FU);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

bool has_control_character(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) return true;
  }
  return false;
}

TokenResult<void> check_text(std::string_view text, std::string_view claim, std::size_t max) {
  if (text.size() > max) {
    return bad_claims(std::string(claim) + " is longer than " + std::to_string(max) + " bytes");
  }
  if (!is_valid_utf8(text) || has_control_character(text)) {
    return bad_claims(std::string(claim) + " must be UTF-8 text without control characters");
  }
  return {};
}

TokenResult<void> check_date(sys_seconds date, std::string_view claim) {
  const auto seconds = date.time_since_epoch().count();
  if (seconds < 0 || seconds > kMaxNumericDate) {
    return bad_claims(std::string(claim) + " is outside 1970-01-01 .. 9999-12-31");
  }
  return {};
}

}  // namespace

TokenResult<AccessClaims> claims_from_json(const boost::json::object& claims) {
  AccessClaims out;
  const auto* subject = claims.if_contains("sub");
  if (subject == nullptr) return bad_claims("sub (the user id) is required");
  const auto* subject_text = subject->if_string();
  if (subject_text == nullptr) return bad_claims("sub must be a string");
  out.subject.assign(subject_text->data(), subject_text->size());

  if (const auto* name = claims.if_contains("name")) {
    const auto* name_text = name->if_string();
    if (name_text == nullptr) return bad_claims("name must be a string");
    out.name.emplace(name_text->data(), name_text->size());
  }

  const auto* expires = claims.if_contains("exp");
  if (expires == nullptr) return bad_claims("exp (expiry) is required");
  auto exp = read_date(*expires, "exp", false);
  if (!exp) return std::move(exp).error();
  out.expires = *exp;

  if (const auto* not_before = claims.if_contains("nbf")) {
    auto nbf = read_date(*not_before, "nbf", true);
    if (!nbf) return std::move(nbf).error();
    out.not_before = *nbf;
  }
  if (const auto* issued_at = claims.if_contains("iat")) {
    auto iat = read_date(*issued_at, "iat", false);
    if (!iat) return std::move(iat).error();
    out.issued_at = *iat;
  }

  if (const auto* docs = claims.if_contains("docs")) {
    const auto* rules = docs->if_array();
    if (rules == nullptr) return bad_claims("docs must be an array of {pattern, access}");
    if (rules->size() > kMaxDocRules) {
      return bad_claims("docs has more than " + std::to_string(kMaxDocRules) + " rules");
    }
    out.docs.reserve(rules->size());
    for (std::size_t i = 0; i < rules->size(); ++i) {
      auto rule = read_rule((*rules)[i], i);
      if (!rule) return std::move(rule).error();
      out.docs.push_back(std::move(rule).value());
    }
  }
  return out;
}

boost::json::object claims_to_json(const AccessClaims& claims) {
  boost::json::object out;
  out["sub"] = claims.subject;
  if (claims.name) out["name"] = *claims.name;
  out["exp"] = claims.expires.time_since_epoch().count();
  if (claims.not_before) out["nbf"] = claims.not_before->time_since_epoch().count();
  if (claims.issued_at) out["iat"] = claims.issued_at->time_since_epoch().count();
  boost::json::array docs;
  docs.reserve(claims.docs.size());
  for (const DocRule& rule : claims.docs) {
    docs.push_back(
        boost::json::object{{"pattern", rule.pattern}, {"access", access_name(rule.access)}});
  }
  out["docs"] = std::move(docs);
  return out;
}

TokenResult<void> check_claims(const AccessClaims& claims) {
  if (claims.subject.empty()) return bad_claims("sub (the user id) must not be empty");
  if (auto ok = check_text(claims.subject, "sub", kMaxSubjectBytes); !ok) return ok;
  if (claims.name) {
    if (auto ok = check_text(*claims.name, "name", kMaxNameBytes); !ok) return ok;
  }
  if (auto ok = check_date(claims.expires, "exp"); !ok) return ok;
  if (claims.not_before) {
    if (auto ok = check_date(*claims.not_before, "nbf"); !ok) return ok;
  }
  if (claims.issued_at) {
    if (auto ok = check_date(*claims.issued_at, "iat"); !ok) return ok;
  }
  if (claims.docs.size() > kMaxDocRules) {
    return bad_claims("docs has more than " + std::to_string(kMaxDocRules) + " rules");
  }
  for (std::size_t i = 0; i < claims.docs.size(); ++i) {
    const DocRule& rule = claims.docs[i];
    const std::string where = "docs[" + std::to_string(i) + "]";
    if (!is_valid_doc_pattern(rule.pattern)) {
      return bad_claims(where + ".pattern must be 1-" + std::to_string(kMaxDocPatternLength) +
                        " characters of A-Z a-z 0-9 . _ ~ - and *");
    }
    if (rule.access != Access::kRead && rule.access != Access::kWrite) {
      return bad_claims(where + ".access must be \"read\" or \"write\"");
    }
  }
  return {};
}

}  // namespace tandem::server::security
