#include "doctor/checks.hpp"

#include "doctor/http_exchange.hpp"
#include "doctor/websocket_frames.hpp"

#include <boost/beast/core/detail/base64.hpp>
#include <boost/json/parse.hpp>

#include <chrono>
#include <random>

namespace tandem::doctor {
namespace {

using Clock = std::chrono::steady_clock;
namespace http = boost::beast::http;

long long elapsed_ms(Clock::time_point start) {
  return std::chrono::duration_cast<Millis>(Clock::now() - start).count();
}

std::string random_token(std::size_t bytes) {
  std::random_device device;
  std::string raw;
  for (std::size_t i = 0; i < bytes; ++i) raw.push_back(static_cast<char>(device() & 0xFFU));
  std::string out(boost::beast::detail::base64::encoded_size(raw.size()), '\0');
  out.resize(boost::beast::detail::base64::encode(out.data(), raw.data(), raw.size()));
  return out;
}

// Client ids are letters and digits (docs/protocol.md).
std::string client_id() {
  std::string id = "doctor";
  std::random_device device;
  const char* digits = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int i = 0; i < 10; ++i) id.push_back(digits[device() % 36]);
  return id;
}

class Checker {
 public:
  Checker(const Target& target, const CheckOptions& options)
      : target_(target),
        options_(options),
        origin_(options.origin.value_or(target.origin())),
        client_(client_id()) {}

  Diagnosis run() {
    add(connect());
    if (diagnosis_.findings.back().status == Status::kFail) return std::move(diagnosis_);
    add(probe());
    add(websocket());
    add(sse());
    const Finding& uplink = add(post());
    if (!options_.hold_poll) {
      add(Finding{"poll", Status::kSkipped, proto::Outcome::kUnknown, 0, "skipped (--quick)"});
    } else if (uplink.status == Status::kFail) {
      add(Finding{"poll", Status::kSkipped, proto::Outcome::kUnknown, 0,
                  "skipped: the uplink fails"});
    } else {
      add(poll());
    }
    return std::move(diagnosis_);
  }

 private:
  const Finding& add(Finding finding) {
    return diagnosis_.findings.emplace_back(std::move(finding));
  }

  Result<std::unique_ptr<Link>, LinkFailure> open() {
    return Link::open(target_, Link::Options{options_.timeout, options_.verify_tls});
  }

  HttpRequestSpec request(std::string method, const std::string& path) const {
    HttpRequestSpec spec{std::move(method), target_.path(path), {{"Origin", origin_}}, {}};
    if (options_.token) spec.headers.emplace_back("Authorization", "Bearer " + *options_.token);
    return spec;
  }

  void note_headers(const HttpResponseReader::Response& response) {
    const std::string_view server = response[http::field::server];
    if (server.empty()) {
      diagnosis_.seen.unsigned_answer = true;
    } else {
      diagnosis_.seen.server_headers.emplace_back(server);
    }
    // Tandem's own answers are JSON or event streams; a proxy's error page is HTML.
    if (server != "tandem" && response.body().starts_with("<")) {
      diagnosis_.seen.foreign_pages.emplace_back(response.body().substr(0, 512));
    }
    if (auto via = response[http::field::via]; !via.empty())
      diagnosis_.seen.via_headers.emplace_back(via);
    if (response.find("X-Varnish") != response.end()) diagnosis_.seen.varnish_id = true;
  }

  static Finding fail(std::string check, proto::Outcome outcome, long long ms, std::string detail) {
    return Finding{std::move(check), Status::kFail, outcome, ms, std::move(detail)};
  }

  static proto::Outcome outcome_of(const LinkFailure& failure) {
    switch (failure.kind) {
      case LinkFailure::Kind::kTimeout:
        return proto::Outcome::kHung;
      case LinkFailure::Kind::kClosed:
        return proto::Outcome::kRefused;
      case LinkFailure::Kind::kFailed:
        return proto::Outcome::kError;
    }
    return proto::Outcome::kError;
  }

  // What an error status means for a transport: an origin refusal is its own outcome.
  static proto::Outcome outcome_of_status(const HttpResponseReader& reader) {
    if (reader.response().result() == http::status::forbidden &&
        reader.body().find("origin_not_allowed") != std::string_view::npos) {
      return proto::Outcome::kOrigin;
    }
    return proto::Outcome::kRefused;
  }

  static std::string status_line(const HttpResponseReader& reader) {
    std::string line = "HTTP " + std::to_string(reader.response().result_int());
    std::string_view body = reader.body();
    if (!body.empty()) line += ": " + std::string(body.substr(0, 160));
    return line;
  }

  Finding connect() {
    const auto started = Clock::now();
    auto link = open();
    if (!link)
      return fail("connect", outcome_of(link.error()), elapsed_ms(started), link.error().message);
    std::string detail =
        target_.host_header() + " in " + std::to_string((*link)->connect_time.count()) + " ms";
    if (target_.tls) detail += ", TLS in " + std::to_string((*link)->tls_time.count()) + " ms";
    return Finding{"connect", Status::kPass, proto::Outcome::kOk, elapsed_ms(started), detail};
  }

  // Sends the headers of a WebSocket upgrade to /v1/ws/probe (the WebSocket endpoint's
  // location at a proxy) and reads what reached the server.
  Finding probe() {
    const auto started = Clock::now();
    auto link = open();
    if (!link)
      return fail("probe", outcome_of(link.error()), elapsed_ms(started), link.error().message);
    HttpRequestSpec spec = request("GET", "/v1/ws/probe");
    // A complete upgrade request: proxies refuse a half one (HAProxy answers 400).
    spec.headers.emplace_back("Connection", "Upgrade");
    spec.headers.emplace_back("Upgrade", "websocket");
    spec.headers.emplace_back("Sec-WebSocket-Version", "13");
    spec.headers.emplace_back("Sec-WebSocket-Key", random_token(16));
    HttpResponseReader reader;
    auto sent = (*link)->write(format_request(target_, spec), options_.timeout);
    auto read = sent ? reader.read(**link, options_.timeout) : std::move(sent);
    if (!read)
      return fail("probe", outcome_of(read.error()), elapsed_ms(started), read.error().message);
    note_headers(reader.response());
    if (reader.response().result() != http::status::ok) {
      return Finding{"probe", Status::kWarn, proto::Outcome::kRefused, elapsed_ms(started),
                     status_line(reader) + " (an older Tandem, or a proxy that answers itself)"};
    }
    boost::system::error_code ec;
    const auto json = boost::json::parse(reader.body(), ec);
    const auto* headers = ec ? nullptr : json.as_object().if_contains("headers");
    if (headers == nullptr || !headers->is_object()) {
      return Finding{"probe", Status::kWarn, proto::Outcome::kError, elapsed_ms(started),
                     "unreadable answer"};
    }
    auto header = [&](const char* name) -> std::optional<std::string> {
      const auto* value = headers->as_object().if_contains(name);
      if (value == nullptr || !value->is_string()) return std::nullopt;
      return std::string(value->as_string());
    };
    Observations& seen = diagnosis_.seen;
    if (const auto* version = json.as_object().if_contains("http_version");
        version && version->is_string()) {
      seen.probe_http_version = std::string(version->as_string());
    }
    seen.probe_upgrade = header("Upgrade");
    seen.probe_via = header("Via");
    seen.probe_forwarded_server = header("X-Forwarded-Server");
    seen.probe_forwarded = header("X-Forwarded-For") || header("Forwarded") || header("X-Real-IP");
    std::string detail = "the server saw HTTP/" + seen.probe_http_version.value_or("?");
    detail += seen.probe_upgrade ? ", Upgrade: " + *seen.probe_upgrade : ", no Upgrade header";
    if (seen.probe_via) detail += ", Via: " + *seen.probe_via;
    if (seen.probe_forwarded_server)
      detail += ", X-Forwarded-Server: " + *seen.probe_forwarded_server;
    const bool intact = seen.probe_upgrade && seen.probe_http_version == "1.1";
    return Finding{"probe", intact ? Status::kPass : Status::kWarn,
                   intact ? proto::Outcome::kOk : proto::Outcome::kRefused, elapsed_ms(started),
                   detail};
  }

  Finding websocket() {
    const auto started = Clock::now();
    auto link = open();
    if (!link)
      return fail("websocket", outcome_of(link.error()), elapsed_ms(started), link.error().message);
    HttpRequestSpec spec = request("GET", "/v1/ws");
    spec.headers.emplace_back("Connection", "Upgrade");
    spec.headers.emplace_back("Upgrade", "websocket");
    spec.headers.emplace_back("Sec-WebSocket-Version", "13");
    spec.headers.emplace_back("Sec-WebSocket-Key", random_token(16));
    spec.headers.emplace_back("Sec-WebSocket-Protocol", "tandem.v1");
    HttpResponseReader reader;
    auto sent = (*link)->write(format_request(target_, spec), options_.timeout);
    auto read =
        sent ? reader.read(**link, options_.timeout,
                           [](const HttpResponseReader& r) {
                             return r.response().result() == http::status::switching_protocols;
                           })
             : std::move(sent);
    if (!read) {
      const auto outcome = outcome_of(read.error());
      return fail("websocket", outcome, elapsed_ms(started),
                  outcome == proto::Outcome::kHung
                      ? "the upgrade got no answer within " +
                            std::to_string(options_.timeout.count()) + " ms"
                      : read.error().message);
    }
    note_headers(reader.response());
    if (reader.response().result() != http::status::switching_protocols) {
      return fail("websocket", outcome_of_status(reader), elapsed_ms(started),
                  "upgrade refused: " + status_line(reader));
    }
    const long long upgraded_ms = elapsed_ms(started);
    std::string frames = std::move(reader.leftover());
    std::mt19937 random(std::random_device{}());
    const std::string hello =
        R"({"t":"hello","client":")" + client_ +
        R"(","negotiation":{"transport":"websocket","attempts":[{"transport":"websocket","outcome":"ok","detail":"tandem doctor"}]}})";
    for (const std::string& message : {hello, std::string(R"({"t":"ping","id":1})")}) {
      if (auto w = (*link)->write(
              encode_client_frame(WsOpcode::kText, message, static_cast<std::uint32_t>(random())),
              options_.timeout);
          !w) {
        return fail("websocket", proto::Outcome::kError, elapsed_ms(started), w.error().message);
      }
    }
    bool welcome = false;
    bool pong = false;
    const auto deadline = Clock::now() + options_.timeout;
    while (!(welcome && pong)) {
      std::string error;
      while (auto frame = take_server_frame(frames, error)) {
        if (frame->opcode == WsOpcode::kClose) {
          return fail("websocket", proto::Outcome::kError, elapsed_ms(started),
                      "the server closed the WebSocket: " + frame->payload.substr(2));
        }
        welcome = welcome || frame->payload.find(R"("t":"welcome")") != std::string::npos;
        pong = pong || frame->payload.find(R"("t":"pong")") != std::string::npos;
      }
      if (!error.empty())
        return fail("websocket", proto::Outcome::kError, elapsed_ms(started), error);
      if (welcome && pong) break;
      const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
      auto got = left > Millis(0)
                     ? (*link)->read_some(frames, left)
                     : Result<void, LinkFailure>(LinkFailure{LinkFailure::Kind::kTimeout, ""});
      if (!got) {
        const bool silent = got.error().kind == LinkFailure::Kind::kTimeout;
        return fail(
            "websocket", silent ? proto::Outcome::kSilent : proto::Outcome::kError,
            elapsed_ms(started),
            std::string("101 after ") + std::to_string(upgraded_ms) + " ms, then " +
                (silent ? std::string(welcome ? "no pong" : "no welcome") + " within " +
                              std::to_string(options_.timeout.count()) + " ms (a silent socket)"
                        : got.error().message));
      }
    }
    (void)(*link)->write(encode_client_frame(WsOpcode::kClose, std::string("\x03\xe8", 2), 0),
                         Millis(500));
    return Finding{"websocket", Status::kPass, proto::Outcome::kOk, elapsed_ms(started),
                   "101 after " + std::to_string(upgraded_ms) + " ms, then welcome and pong"};
  }

  Finding sse() {
    const auto started = Clock::now();
    auto link = open();
    if (!link)
      return fail("sse", outcome_of(link.error()), elapsed_ms(started), link.error().message);
    HttpRequestSpec spec = request("GET", "/v1/sse?client=" + client_ + "s");
    spec.headers.emplace_back("Accept", "text/event-stream");
    HttpResponseReader reader;
    auto sent = (*link)->write(format_request(target_, spec), options_.timeout);
    auto read =
        sent ? reader.read(**link, options_.timeout,
                           [](const HttpResponseReader& r) {
                             return r.response().result() != http::status::ok ||
                                    r.body().find(R"("t":"welcome")") != std::string_view::npos;
                           })
             : std::move(sent);
    if (reader.header_done()) note_headers(reader.response());
    if (reader.header_done() && reader.response().result() != http::status::ok) {
      return fail("sse", outcome_of_status(reader), elapsed_ms(started), status_line(reader));
    }
    if (reader.header_done() && reader.body().find(R"("t":"welcome")") != std::string_view::npos) {
      return Finding{"sse", Status::kPass, proto::Outcome::kOk, elapsed_ms(started),
                     "first event after " + std::to_string(elapsed_ms(started)) + " ms"};
    }
    if (reader.header_done()) {
      return fail("sse", proto::Outcome::kBuffered, elapsed_ms(started),
                  "headers arrived but no event within " +
                      std::to_string(options_.timeout.count()) +
                      " ms: something in between buffers the stream");
    }
    // No headers either: a proxy holding the whole response back looks like this, when the
    // same path answers other requests.
    const bool answers_others =
        diagnosis_.findings.size() > 1 && diagnosis_.findings[1].status != Status::kFail;
    if (!read && read.error().kind == LinkFailure::Kind::kTimeout && answers_others) {
      return fail("sse", proto::Outcome::kBuffered, elapsed_ms(started),
                  "no headers and no event within " + std::to_string(options_.timeout.count()) +
                      " ms while other requests are answered: something in between holds the "
                      "stream back");
    }
    return fail("sse", read ? proto::Outcome::kError : outcome_of(read.error()),
                elapsed_ms(started), read ? "no answer" : read.error().message);
  }

  Finding post() {
    const auto started = Clock::now();
    auto link = open();
    if (!link)
      return fail("post", outcome_of(link.error()), elapsed_ms(started), link.error().message);
    HttpRequestSpec spec = request("POST", "/v1/send");
    spec.headers.emplace_back("X-Tandem-Client", client_);
    spec.headers.emplace_back("Content-Type", "application/json");
    spec.body = R"([{"t":"hello","client":")" + client_ + R"("},{"t":"ping","id":2}])";
    HttpResponseReader reader;
    auto sent = (*link)->write(format_request(target_, spec), options_.timeout);
    auto read = sent ? reader.read(**link, options_.timeout) : std::move(sent);
    if (!read)
      return fail("post", outcome_of(read.error()), elapsed_ms(started), read.error().message);
    note_headers(reader.response());
    if (reader.response().result() != http::status::ok) {
      return fail("post", outcome_of_status(reader), elapsed_ms(started), status_line(reader));
    }
    if (reader.body().find(R"("t":"welcome")") == std::string_view::npos) {
      return fail("post", proto::Outcome::kError, elapsed_ms(started),
                  "no welcome in the answer: " + status_line(reader));
    }
    return Finding{"post", Status::kPass, proto::Outcome::kOk, elapsed_ms(started),
                   "hello accepted (Origin " + origin_ + ")"};
  }

  // One poll with nothing pending is held for the server's whole hold time, as a browser's is.
  Finding poll() {
    const auto started = Clock::now();
    auto link = open();
    if (!link)
      return fail("poll", outcome_of(link.error()), elapsed_ms(started), link.error().message);
    HttpRequestSpec spec = request("GET", "/v1/poll?client=" + client_);
    HttpResponseReader reader;
    auto sent = (*link)->write(format_request(target_, spec), options_.timeout);
    auto read = sent ? reader.read(**link, options_.poll_timeout) : std::move(sent);
    const long long ms = elapsed_ms(started);
    if (!read) {
      const bool cut = read.error().kind == LinkFailure::Kind::kClosed;
      return fail(
          "poll", cut ? proto::Outcome::kTimeout : outcome_of(read.error()), ms,
          cut ? "the held poll was cut after " + std::to_string(ms / 1000) + " s without an answer"
              : read.error().message);
    }
    note_headers(reader.response());
    const auto status = reader.response().result();
    // Varnish answers a backend's first-byte timeout with its own 503; Tandem's 503 says tandem.
    const bool proxy_unavailable = status == http::status::service_unavailable &&
                                   reader.response()[http::field::server] != "tandem";
    if (status == http::status::gateway_timeout || status == http::status::bad_gateway ||
        proxy_unavailable) {
      return fail("poll", proto::Outcome::kTimeout, ms,
                  status_line(reader).substr(0, 8) + " after " + std::to_string(ms / 1000) +
                      " s: a proxy read timeout shorter than the server's poll hold");
    }
    if (status != http::status::ok)
      return fail("poll", outcome_of_status(reader), ms, status_line(reader));
    return Finding{"poll", Status::kPass, proto::Outcome::kOk, ms,
                   "held " + std::to_string(ms / 1000) + " s and answered 200"};
  }

  const Target& target_;
  const CheckOptions& options_;
  std::string origin_;
  std::string client_;
  Diagnosis diagnosis_;
};

}  // namespace

Diagnosis run_checks(const Target& target, const CheckOptions& options) {
  return Checker(target, options).run();
}

}  // namespace tandem::doctor
