#include "server/http_query.hpp"

#include "proto/identifiers.hpp"

#include <boost/url/parse.hpp>

#include <charconv>
#include <optional>

namespace tandem::server {

namespace {

std::optional<std::uint64_t> parse_version(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  if (value > (std::uint64_t{1} << 53) - 1) return std::nullopt;
  return value;
}

}  // namespace

proto::Result<DownlinkQuery> parse_downlink_query(std::string_view target, std::size_t max_docs) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return proto::make_error(proto::ErrorCode::kBadMessage, "the request URL is malformed");
  DownlinkQuery query;
  for (const auto& param : url->params()) {
    if (param.key == "client") {
      if (!proto::is_valid_client_id(param.value)) {
        return proto::make_error(proto::ErrorCode::kBadClientId,
                                 "client ids are 1-64 characters of A-Z a-z 0-9 _ -");
      }
      query.client = param.value;
    } else if (param.key == "sub") {
      const std::string& value = param.value;
      const auto at = value.find('@');
      DownlinkSubscription subscription{value.substr(0, at), std::nullopt};
      if (!proto::is_valid_doc_id(subscription.doc)) {
        return proto::make_error(proto::ErrorCode::kBadDocId,
                                 "document ids are 1-128 characters of A-Z a-z 0-9 . _ ~ -");
      }
      if (at != std::string::npos) {
        subscription.version = parse_version(std::string_view(value).substr(at + 1));
        if (!subscription.version) {
          return proto::make_error(proto::ErrorCode::kBadMessage,
                                   "sub=DOC@N needs a version N >= 0");
        }
      }
      for (const DownlinkSubscription& existing : query.subscriptions) {
        if (existing.doc == subscription.doc) {
          return proto::make_error(proto::ErrorCode::kBadMessage,
                                   "document " + subscription.doc + " is named twice");
        }
      }
      query.subscriptions.push_back(std::move(subscription));
    }
  }
  if (query.client.empty()) {
    return proto::make_error(proto::ErrorCode::kBadClientId, "the client=ID parameter is missing");
  }
  if (query.subscriptions.size() > max_docs) {
    return proto::make_error(proto::ErrorCode::kTooManyDocs,
                             "at most " + std::to_string(max_docs) + " documents per connection");
  }
  return query;
}

void apply_resume_cursor(std::string_view cursor, DownlinkQuery& query) {
  while (!cursor.empty()) {
    const auto comma = cursor.find(',');
    const std::string_view entry = cursor.substr(0, comma);
    const auto at = entry.rfind('@');
    if (at != std::string_view::npos) {
      const std::string_view doc = entry.substr(0, at);
      if (auto version = parse_version(entry.substr(at + 1))) {
        for (DownlinkSubscription& subscription : query.subscriptions) {
          if (subscription.doc == doc) subscription.version = version;
        }
      }
    }
    if (comma == std::string_view::npos) break;
    cursor.remove_prefix(comma + 1);
  }
}

}  // namespace tandem::server
