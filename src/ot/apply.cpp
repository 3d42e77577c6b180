#include "ot/apply.hpp"

#include "ot/utf8.hpp"

namespace tandem::ot {
namespace {

Error past_end(std::uint64_t span, std::uint64_t length) {
  return make_error(ErrorCode::kOpPastEnd, "op covers " + std::to_string(span) +
                                               " code points but the document has " +
                                               std::to_string(length));
}

Error too_large(std::size_t limit) {
  return make_error(ErrorCode::kDocumentTooLarge,
                    "document would exceed " + std::to_string(limit) + " bytes");
}

}  // namespace

Result<void> apply(Rope& doc, const Op& op, const Limits& limits) {
  const std::uint64_t span = input_length(op);
  if (span > doc.length()) return past_end(span, doc.length());
  const std::size_t added = inserted_bytes(op);
  if (doc.size_bytes() + added > limits.max_document_bytes) {
    // Only now is it worth measuring what the deletes remove.
    std::size_t removed = 0;
    std::uint64_t pos = 0;
    for (const auto& component : op) {
      if (component.is_delete()) {
        removed += doc.byte_offset(pos + component.length()) - doc.byte_offset(pos);
      }
      if (!component.is_insert()) pos += component.length();
    }
    if (doc.size_bytes() + added - removed > limits.max_document_bytes) {
      return too_large(limits.max_document_bytes);
    }
  }
  std::uint64_t pos = 0;
  for (const auto& component : op) {
    switch (component.kind()) {
      case Component::Kind::kSkip:
        pos += component.length();
        break;
      case Component::Kind::kInsert:
        doc.insert(pos, component.text());
        pos += component.length();
        break;
      case Component::Kind::kDelete:
        doc.erase(pos, component.length());
        break;
    }
  }
  return {};
}

Result<std::string> apply(std::string_view doc, const Op& op, const Limits& limits) {
  auto length = validate_utf8(doc);
  if (!length) return std::move(length).error();
  const std::uint64_t span = input_length(op);
  if (span > *length) return past_end(span, *length);
  std::string out;
  out.reserve(doc.size() + inserted_bytes(op));
  std::string_view rest = doc;
  for (const auto& component : op) {
    switch (component.kind()) {
      case Component::Kind::kSkip: {
        const std::size_t bytes = byte_offset_of(rest, component.length());
        out.append(rest.substr(0, bytes));
        rest.remove_prefix(bytes);
        break;
      }
      case Component::Kind::kInsert:
        out.append(component.text());
        break;
      case Component::Kind::kDelete:
        rest.remove_prefix(byte_offset_of(rest, component.length()));
        break;
    }
  }
  out.append(rest);
  if (out.size() > limits.max_document_bytes) return too_large(limits.max_document_bytes);
  return out;
}

}  // namespace tandem::ot
