#pragma once

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string_view>

#include "proto/error.hpp"

namespace tandem::proto {

// Parses the JSON text of a message or a batch with the checks every frame gets, in order:
// size (message_too_large), UTF-8 (invalid_utf8), nesting (too_deep), surrogate escapes
// (lone_surrogate), syntax (bad_json). The value's memory comes from `storage`.
Result<boost::json::value> parse_json(std::string_view text, std::size_t max_bytes,
                                      std::size_t max_depth, boost::json::storage_ptr storage);

}  // namespace tandem::proto
