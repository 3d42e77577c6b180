#include "app/serve_config.hpp"

#include "app/value_parsers.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace tandem::app {

namespace {

// Stores a successfully parsed value through `assign`, or hands the problem back.
template <typename T, typename Assign>
std::optional<std::string> store(Parsed<T> parsed, Assign assign) {
  if (auto* problem = std::get_if<std::string>(&parsed)) return *problem;
  assign(std::get<T>(parsed));
  return std::nullopt;
}

ConfigField http_size_field(std::string_view key, std::string_view help,
                            std::size_t server::HttpLimits::*member) {
  return {key, "SIZE", help,
          [member](ServeConfig& c, std::string_view text) {
            return store(parse_size(text), [&](std::uint64_t v) { c.http.*member = v; });
          },
          [member](const ServeConfig& c) { return format_size(c.http.*member); }};
}

ConfigField http_duration_field(std::string_view key, std::string_view help,
                                std::chrono::milliseconds server::HttpLimits::*member) {
  return {key, "DURATION", help,
          [member](ServeConfig& c, std::string_view text) {
            return store(parse_duration(text),
                         [&](std::chrono::milliseconds v) { c.http.*member = v; });
          },
          [member](const ServeConfig& c) { return format_duration(c.http.*member); }};
}

std::optional<std::string> parse_choice(std::string_view text,
                                        std::initializer_list<std::string_view> choices,
                                        std::string& out) {
  for (std::string_view choice : choices) {
    if (text == choice) {
      out = std::string(choice);
      return std::nullopt;
    }
  }
  std::string problem = "expected one of";
  for (std::string_view choice : choices) problem += " " + std::string(choice);
  return problem + ", got \"" + std::string(text) + "\"";
}

std::vector<ConfigField> make_fields() {
  std::vector<ConfigField> fields;
  fields.push_back(
      {"listen", "HOST:PORT",
       "Address to listen on; IPv6 as [::1]:8080, port 0 picks a free port. Stays on loopback "
       "unless you choose otherwise.",
       [](ServeConfig& c, std::string_view text) {
         return store(parse_endpoint(text),
                      [&](const boost::asio::ip::tcp::endpoint& v) { c.listen = v; });
       },
       [](const ServeConfig& c) { return format_endpoint(c.listen); }});
  fields.push_back({"data", "DIR",
                    "Directory of the document store; created if missing, locked while served.",
                    [](ServeConfig& c, std::string_view text) -> std::optional<std::string> {
                      if (text.empty()) return "expected a directory path";
                      c.data_dir = std::string(text);
                      return std::nullopt;
                    },
                    [](const ServeConfig& c) { return c.data_dir.string(); }});
  fields.push_back({"static-dir", "DIR",
                    "Directory of the demo page and client bundle (default: web/ next to the "
                    "tandem binary).",
                    [](ServeConfig& c, std::string_view text) -> std::optional<std::string> {
                      c.static_dir = std::string(text);
                      return std::nullopt;
                    },
                    [](const ServeConfig& c) { return c.static_dir.string(); }});
  fields.push_back({"threads", "N", "Event loops to run; 0 means one per core.",
                    [](ServeConfig& c, std::string_view text) -> std::optional<std::string> {
                      auto parsed = parse_unsigned(text);
                      if (auto* n = std::get_if<std::uint64_t>(&parsed); n && *n > 256) {
                        return "at most 256 event loops";
                      }
                      return store(parsed, [&](std::uint64_t v) { c.threads = v; });
                    },
                    [](const ServeConfig& c) { return std::to_string(c.threads); }});
  fields.push_back({"log-format", "text|json",
                    "Log lines for people (text) or for log shippers (json, one object a line).",
                    [](ServeConfig& c, std::string_view text) {
                      std::string choice;
                      auto problem = parse_choice(text, {"text", "json"}, choice);
                      if (!problem)
                        c.log_format = choice == "json" ? LogFormat::json : LogFormat::text;
                      return problem;
                    },
                    [](const ServeConfig& c) {
                      return std::string(c.log_format == LogFormat::json ? "json" : "text");
                    }});
  fields.push_back(
      {"log-level", "LEVEL", "Least severe level logged: trace, debug, info, warn, error.",
       [](ServeConfig& c, std::string_view text) {
         return parse_choice(text, {"trace", "debug", "info", "warn", "error"}, c.log_level);
       },
       [](const ServeConfig& c) { return c.log_level; }});
  fields.push_back(http_size_field(
      "max-header-bytes", "Largest request head (request line + headers); larger gets 431.",
      &server::HttpLimits::max_header_bytes));
  fields.push_back(http_size_field("max-body-bytes", "Largest request body; larger gets 413.",
                                   &server::HttpLimits::max_body_bytes));
  fields.push_back(http_duration_field(
      "header-timeout", "Time a client has from its first byte to the end of its headers.",
      &server::HttpLimits::header_timeout));
  fields.push_back(http_duration_field(
      "body-timeout", "Time allowed to receive a request body or to send a response.",
      &server::HttpLimits::body_timeout));
  fields.push_back(http_duration_field(
      "idle-timeout", "Time a keep-alive connection may wait for its next request.",
      &server::HttpLimits::idle_timeout));
  fields.push_back({"shutdown-timeout", "DURATION",
                    "On SIGTERM/SIGINT, how long requests in flight may take to finish before "
                    "their connections are closed.",
                    [](ServeConfig& c, std::string_view text) {
                      return store(parse_duration(text),
                                   [&](std::chrono::milliseconds v) { c.shutdown_timeout = v; });
                    },
                    [](const ServeConfig& c) { return format_duration(c.shutdown_timeout); }});
  return fields;
}

std::string toml_quote(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return quoted + "\"";
}

}  // namespace

const std::vector<ConfigField>& serve_config_fields() {
  static const std::vector<ConfigField> fields = make_fields();
  return fields;
}

std::string environment_name(std::string_view key) {
  std::string name = "TANDEM_";
  for (char c : key) {
    name.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return name;
}

std::string format_as_toml(const ServeConfig& config) {
  std::string out;
  for (const ConfigField& field : serve_config_fields()) {
    out += std::string(field.key) + " = " + toml_quote(field.format(config)) + "\n";
  }
  return out;
}

}  // namespace tandem::app
