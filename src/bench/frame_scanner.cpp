#include "bench/frame_scanner.hpp"

#include <charconv>
#include <cmath>
#include <cstddef>

namespace tandem::bench {
namespace {

constexpr std::size_t kMaxNesting = 64;
constexpr std::uint64_t kMaxSafeInteger = (std::uint64_t{1} << 53) - 1;

class Skimmer {
 public:
  explicit Skimmer(std::string_view text) : text_(text) {}

  bool frame(std::vector<ScannedMessage>& out) {
    skip_space();
    if (at_end()) return false;
    if (peek() == '{') {
      if (!message(out)) return false;
    } else if (peek() == '[') {
      ++pos_;
      skip_space();
      if (!at_end() && peek() == ']') {
        ++pos_;
      } else {
        for (;;) {
          skip_space();
          if (at_end() || peek() != '{' || !message(out)) return false;
          skip_space();
          if (at_end()) return false;
          const char next = text_[pos_++];
          if (next == ']') break;
          if (next != ',') return false;
        }
      }
    } else {
      return false;
    }
    skip_space();
    return at_end();
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\n' || peek() == '\r' || peek() == '\t')) {
      ++pos_;
    }
  }

  // At an opening quote: the contents up to the closing one.
  bool string(std::string_view& contents) {
    const std::size_t start = ++pos_;
    while (!at_end()) {
      const char c = text_[pos_];
      if (c == '"') {
        contents = text_.substr(start, pos_ - start);
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return false;
      pos_ += c == '\\' ? 2 : 1;
    }
    return false;
  }

  // A JSON number, kept when it is an integer from 0 to 2^53-1. Like the codec, an integral
  // value written as a float (3.0, 1e3, -0) counts; the plain digits are the fast path.
  bool number(std::optional<std::uint64_t>& value) {
    const std::size_t start = pos_;
    std::uint64_t result = 0;
    bool digits_only = true;
    while (!at_end()) {
      const char c = peek();
      if (c >= '0' && c <= '9') {
        if (result <= kMaxSafeInteger) result = result * 10 + static_cast<std::uint64_t>(c - '0');
      } else if (c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
        digits_only = false;
      } else {
        break;
      }
      ++pos_;
    }
    if (pos_ == start) return false;
    if (digits_only) {
      if (result <= kMaxSafeInteger) value = result;
      return true;
    }
    const std::string_view token = text_.substr(start, pos_ - start);
    double parsed = 0;
    const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), parsed);
    if (ec == std::errc{} && end == token.data() + token.size() && parsed >= 0 &&
        parsed <= static_cast<double>(kMaxSafeInteger) && std::trunc(parsed) == parsed) {
      value = static_cast<std::uint64_t>(parsed);
    }
    return true;
  }

  // Any value, not kept. Containers are walked flat with a depth count.
  bool skip_value() {
    if (at_end()) return false;
    const char c = peek();
    if (c == '"') {
      std::string_view ignored;
      return string(ignored);
    }
    if (c == '{' || c == '[') {
      std::size_t depth = 0;
      while (!at_end()) {
        const char d = peek();
        if (d == '"') {
          std::string_view ignored;
          if (!string(ignored)) return false;
          continue;
        }
        if (d == '{' || d == '[') {
          if (++depth > kMaxNesting) return false;
        } else if (d == '}' || d == ']') {
          if (--depth == 0) {
            ++pos_;
            return true;
          }
        }
        ++pos_;
      }
      return false;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      std::optional<std::uint64_t> ignored;
      return number(ignored);
    }
    for (const std::string_view literal : {"true", "false", "null"}) {
      if (text_.substr(pos_, literal.size()) == literal) {
        pos_ += literal.size();
        return true;
      }
    }
    return false;
  }

  bool message(std::vector<ScannedMessage>& out) {
    ScannedMessage scanned;
    const std::size_t start = pos_;
    ++pos_;  // '{'
    skip_space();
    if (!at_end() && peek() == '}') {
      ++pos_;
    } else {
      for (;;) {
        skip_space();
        std::string_view key;
        if (at_end() || peek() != '"' || !string(key)) return false;
        skip_space();
        if (at_end() || peek() != ':') return false;
        ++pos_;
        skip_space();
        if (at_end()) return false;
        bool ok = true;
        if ((key == "t" || key == "client" || key == "doc") && peek() == '"') {
          std::string_view value;
          ok = string(value);
          if (key == "t") scanned.kind = proto::parse_server_type(value);
          if (key == "client") scanned.client = value;
          if (key == "doc") scanned.doc = value;
        } else if ((key == "v" || key == "seq") &&
                   (peek() == '-' || (peek() >= '0' && peek() <= '9'))) {
          ok = number(key == "v" ? scanned.version : scanned.seq);
        } else {
          ok = skip_value();
        }
        if (!ok) return false;
        skip_space();
        if (at_end()) return false;
        const char next = text_[pos_++];
        if (next == '}') break;
        if (next != ',') return false;
      }
    }
    scanned.json = text_.substr(start, pos_ - start);
    out.push_back(scanned);
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

bool scan_server_frame(std::string_view frame, std::vector<ScannedMessage>& out) {
  return Skimmer(frame).frame(out);
}

}  // namespace tandem::bench
