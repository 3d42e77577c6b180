#include "server/chunked_encoding.hpp"

#include <fmt/format.h>

#include <iterator>

namespace tandem::server {

void append_chunk(std::string_view data, std::string& wire) {
  if (data.empty()) return;
  fmt::format_to(std::back_inserter(wire), "{:x}\r\n", data.size());
  wire += data;
  wire += "\r\n";
}

}  // namespace tandem::server
