#include "bench/chunked_decoder.hpp"

#include <algorithm>

namespace tandem::bench {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// More hex digits than a size_t holds is an attack or garbage, never a real chunk.
constexpr std::size_t kMaxSizeDigits = sizeof(std::size_t) * 2 - 1;

}  // namespace

ChunkedDecoder::Result ChunkedDecoder::fail() {
  state_ = State::kBad;
  return Result::kMalformed;
}

ChunkedDecoder::Result ChunkedDecoder::feed(std::string_view bytes, std::string& out) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    const char c = bytes[at];
    switch (state_) {
      case State::kSize: {
        const int digit = hex_value(c);
        if (digit >= 0) {
          if (++digits_ > kMaxSizeDigits) return fail();
          remaining_ = remaining_ * 16 + static_cast<std::size_t>(digit);
        } else if (digits_ == 0) {
          return fail();
        } else if (c == ';' || c == ' ' || c == '\t') {
          state_ = State::kExtension;
        } else if (c == '\r') {
          state_ = State::kSizeLf;
        } else {
          return fail();
        }
        ++at;
        break;
      }
      case State::kExtension:
        if (c == '\r') state_ = State::kSizeLf;
        if (c == '\n') return fail();
        ++at;
        break;
      case State::kSizeLf:
        if (c != '\n') return fail();
        ++at;
        digits_ = 0;
        state_ = remaining_ == 0 ? State::kTrailer : State::kData;
        trailer_line_ = 0;
        break;
      case State::kData: {
        const std::size_t take = std::min(remaining_, bytes.size() - at);
        out.append(bytes.substr(at, take));
        at += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        if (c != '\r') return fail();
        state_ = State::kDataLf;
        ++at;
        break;
      case State::kDataLf:
        if (c != '\n') return fail();
        state_ = State::kSize;
        ++at;
        break;
      case State::kTrailer:
        // Trailer lines until an empty one; their content is of no use here.
        ++at;
        if (c == '\n') {
          if (trailer_line_ == 0) {
            state_ = State::kEnd;
            return Result::kEnd;
          }
          trailer_line_ = 0;
        } else if (c != '\r') {
          ++trailer_line_;
        }
        break;
      case State::kEnd:
        return Result::kEnd;
      case State::kBad:
        return Result::kMalformed;
    }
  }
  if (state_ == State::kEnd) return Result::kEnd;
  if (state_ == State::kBad) return Result::kMalformed;
  return Result::kMore;
}

}  // namespace tandem::bench
