#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ot/limits.hpp"

namespace tandem::proto {

// Versions, seqs, ping ids and lengths: integers every JSON implementation holds exactly.
inline constexpr std::uint64_t kMaxInteger = ot::kMaxLength;  // 2^53 - 1

inline constexpr std::size_t kMaxClientIdLength = 64;
inline constexpr std::size_t kMaxDocIdLength = 128;

// 1-64 characters of [A-Za-z0-9_-].
bool is_valid_client_id(std::string_view id);

// 1-128 characters of [A-Za-z0-9._~-], except "." and ".." (which URLs would resolve away):
// a doc id goes unescaped into paths (/v1/docs/DOC) and query values (sub=DOC@N).
bool is_valid_doc_id(std::string_view id);

// "#" and six hex digits, either case.
bool is_valid_color(std::string_view color);

}  // namespace tandem::proto
