#include "server/gzip_stream.hpp"

#include "server/ascii_case.hpp"

#include <zlib.h>

#include <array>
#include <optional>

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

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The weight of one Accept-Encoding item ("gzip;q=0.5"): 0 means "not acceptable". A weight
// that is not a valid qvalue counts as 1, as most servers do.
bool weight_is_zero(std::string_view params) {
  while (!params.empty()) {
    const auto semicolon = params.find(';');
    const std::string_view param = trim(params.substr(0, semicolon));
    if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      const std::string_view value = param.substr(2);
      // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ): zero is 0, 0., 0.0...
      if (value.empty() || value[0] != '0') return false;
      if (value.size() == 1) return true;
      if (value[1] != '.' || value.size() > 5) return false;
      return value.substr(2).find_first_not_of('0') == std::string_view::npos;
    }
    if (semicolon == std::string_view::npos) break;
    params.remove_prefix(semicolon + 1);
  }
  return false;
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  // RFC 9110 §12.5.3: gzip when listed with a non-zero weight, or when "*" is and gzip is not.
  std::optional<bool> gzip_item;
  std::optional<bool> any_item;
  while (!accept_encoding.empty()) {
    const auto comma = accept_encoding.find(',');
    const std::string_view item = accept_encoding.substr(0, comma);
    const auto semicolon = item.find(';');
    const std::string_view name = trim(item.substr(0, semicolon));
    const std::string_view params =
        semicolon == std::string_view::npos ? std::string_view{} : item.substr(semicolon + 1);
    if (ascii_iequals(name, "gzip") || ascii_iequals(name, "x-gzip")) {
      gzip_item = !weight_is_zero(params);
    } else if (name == "*") {
      any_item = !weight_is_zero(params);
    }
    if (comma == std::string_view::npos) break;
    accept_encoding.remove_prefix(comma + 1);
  }
  if (gzip_item) return *gzip_item;
  return any_item.value_or(false);
}

}  // namespace tandem::server
