#include "server/gzip_stream.hpp"

#include <zlib.h>
#include <boost/beast/core/string.hpp>

#include <array>

namespace tandem::server {

struct GzipStream::State {
  z_stream stream{};
};

GzipStream::GzipStream() : state_(std::make_unique<State>()) {
  // 15 + 16: a 32 KiB window with a gzip header; level 6 is zlib's balance of speed and size.
  deflateInit2(&state_->stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

GzipStream::~GzipStream() { deflateEnd(&state_->stream); }

namespace {

void run(z_stream& stream, std::string_view input, int flush, std::string& out) {
  std::array<unsigned char, 16384> buffer{};
  // zlib's API is not const-correct; it never writes through next_in.
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  do {
    stream.next_out = buffer.data();
    stream.avail_out = static_cast<uInt>(buffer.size());
    deflate(&stream, flush);
    out.append(reinterpret_cast<const char*>(buffer.data()), buffer.size() - stream.avail_out);
  } while (stream.avail_out == 0);
}

}  // namespace

void GzipStream::write(std::string_view input, std::string& out) {
  run(state_->stream, input, Z_SYNC_FLUSH, out);
}

void GzipStream::finish(std::string& out) { run(state_->stream, {}, Z_FINISH, out); }

std::string gzip(std::string_view input) {
  GzipStream stream;
  std::string out;
  out.reserve(input.size() / 3 + 64);
  stream.write(input, out);
  stream.finish(out);
  return out;
}

bool accepts_gzip(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    const auto comma = accept_encoding.find(',');
    std::string_view item = accept_encoding.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const auto semicolon = item.find(';');
    std::string_view name = item.substr(0, semicolon);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (boost::beast::iequals(name, "gzip")) {
      const std::string_view params =
          semicolon == std::string_view::npos ? std::string_view{} : item.substr(semicolon);
      // "q=0" forbids it; "q=0.5" does not.
      const auto q = params.find("q=0");
      return q == std::string_view::npos || params.substr(q).starts_with("q=0.");
    }
    if (comma == std::string_view::npos) break;
    accept_encoding.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace tandem::server
