#include "doctor/advice.hpp"

#include <algorithm>
#include <cctype>

namespace tandem::doctor {
namespace {

bool contains_word(std::string_view text, std::string_view word) {
  std::string lower(text);
  std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find(word) != std::string::npos;
}

const Finding* find(const Diagnosis& diagnosis, std::string_view check) {
  for (const Finding& finding : diagnosis.findings) {
    if (finding.check == check) return &finding;
  }
  return nullptr;
}

bool passed(const Finding* finding) {
  return finding != nullptr && finding->status == Status::kPass;
}
bool failed(const Finding* finding) {
  return finding != nullptr && finding->status == Status::kFail;
}

void recognise(const Observations& seen, Advice& advice) {
  for (const std::string& server : seen.server_headers) {
    for (auto [word, proxy] : {std::pair{"nginx", Proxy::kNginx},
                               {"apache", Proxy::kApache},
                               {"caddy", Proxy::kCaddy},
                               {"haproxy", Proxy::kHaproxy}}) {
      if (contains_word(server, word)) {
        advice.proxy = proxy;
        advice.proxy_evidence = "Server: " + server;
        return;
      }
    }
  }
  for (const std::string& page : seen.foreign_pages) {
    // The proxies' own error pages sign themselves: nginx and Apache in the text, HAProxy by
    // its bare "<html><body><h1>" layout.
    for (auto [word, proxy] : {std::pair{"<center>nginx", Proxy::kNginx},
                               {"apache/", Proxy::kApache},
                               {"varnish cache server", Proxy::kVarnish}}) {
      if (contains_word(page, word)) {
        advice.proxy = proxy;
        advice.proxy_evidence = std::string("its error page");
        return;
      }
    }
    if (page.starts_with("<html><body><h1>")) {
      advice.proxy = Proxy::kHaproxy;
      advice.proxy_evidence = "its error page";
      return;
    }
  }
  for (const std::string& via : seen.via_headers) {
    for (auto [word, proxy] : {std::pair{"caddy", Proxy::kCaddy}, {"varnish", Proxy::kVarnish}}) {
      if (contains_word(via, word)) {
        advice.proxy = proxy;
        advice.proxy_evidence = "Via: " + via;
        return;
      }
    }
  }
  if (seen.varnish_id) {
    advice.proxy = Proxy::kVarnish;
    advice.proxy_evidence = "X-Varnish on its answers";
    return;
  }
  if (seen.probe_forwarded_server) {
    advice.proxy = Proxy::kApache;  // mod_proxy adds X-Forwarded-Server by default
    advice.proxy_evidence =
        "X-Forwarded-Server: " + *seen.probe_forwarded_server + " reached the server";
    return;
  }
  if (seen.probe_http_version == "1.0") {
    advice.proxy = Proxy::kNginx;  // nginx's default upstream protocol
    advice.proxy_evidence = "the server saw HTTP/1.0 (nginx's default proxy_http_version)";
    return;
  }
  const bool all_tandem =
      !seen.server_headers.empty() &&
      std::ranges::all_of(seen.server_headers, [](const std::string& s) { return s == "tandem"; });
  if (all_tandem && !seen.unsigned_answer && seen.via_headers.empty() && !seen.probe_forwarded &&
      !seen.probe_via && seen.probe_http_version) {
    advice.proxy = Proxy::kNone;
    advice.proxy_evidence = "every answer came from Tandem itself and nothing was forwarded";
  } else if (seen.probe_forwarded || seen.probe_via || !seen.via_headers.empty()) {
    advice.proxy_evidence = "forwarding headers reached the server";
  }
}

// The fix in each proxy's own terms.
struct Fix {
  std::string_view nginx;
  std::string_view apache;
  std::string_view caddy;
  std::string_view haproxy;
  std::string_view varnish;
};

// The fix for the recognised proxy; an unknown proxy gets every one.
void add_fix(Advice& advice, Proxy proxy, const Fix& fix) {
  auto add = [&](std::string_view label, std::string_view text) {
    if (!text.empty()) advice.fixes.push_back(std::string(label) + std::string(text));
  };
  switch (proxy) {
    case Proxy::kNginx:
      return add("nginx: ", fix.nginx);
    case Proxy::kApache:
      return add("Apache: ", fix.apache);
    case Proxy::kCaddy:
      return add("Caddy: ", fix.caddy);
    case Proxy::kHaproxy:
      return add("HAProxy: ", fix.haproxy);
    case Proxy::kVarnish:
      return add("Varnish: ", fix.varnish);
    case Proxy::kNone:
      return;
    case Proxy::kUnknown:
      add("nginx: ", fix.nginx);
      add("Apache: ", fix.apache);
      add("Caddy: ", fix.caddy);
      add("HAProxy: ", fix.haproxy);
      add("Varnish: ", fix.varnish);
      return;
  }
}

}  // namespace

std::string_view proxy_name(Proxy proxy) {
  switch (proxy) {
    case Proxy::kNone:
      return "none (direct)";
    case Proxy::kNginx:
      return "nginx";
    case Proxy::kApache:
      return "Apache httpd";
    case Proxy::kCaddy:
      return "Caddy";
    case Proxy::kHaproxy:
      return "HAProxy";
    case Proxy::kVarnish:
      return "Varnish";
    case Proxy::kUnknown:
      break;
  }
  return "unknown";
}

Advice advise(const Diagnosis& diagnosis) {
  Advice advice;
  recognise(diagnosis.seen, advice);
  const Finding* websocket = find(diagnosis, "websocket");
  const Finding* sse = find(diagnosis, "sse");
  const Finding* post = find(diagnosis, "post");
  const Finding* poll = find(diagnosis, "poll");

  if (passed(websocket)) {
    advice.transport = "websocket";
    advice.exit_code = 0;
  } else if (passed(post) && passed(sse)) {
    advice.transport = "sse";
    advice.exit_code = 1;
  } else if (passed(post) && !(failed(poll) && poll->outcome != proto::Outcome::kTimeout)) {
    // A poll cut by a proxy timeout still works: the client absorbs the error and polls again.
    advice.transport = "poll";
    advice.exit_code = 1;
  } else {
    advice.transport = "none";
  }

  if (failed(websocket)) {
    if (websocket->outcome == proto::Outcome::kRefused ||
        websocket->outcome == proto::Outcome::kHung) {
      add_fix(advice, advice.proxy,
              {"in the location for /v1/ws: proxy_http_version 1.1; proxy_set_header Upgrade "
               "$http_upgrade; proxy_set_header Connection \"upgrade\"; proxy_read_timeout 1h;",
               "ProxyPass / http://127.0.0.1:8080/ upgrade=websocket (Apache 2.4.47+; Debian 12 "
               "has 2.4.57) with mod_proxy_http loaded",
               "reverse_proxy passes WebSocket by default: remove any header_up that drops "
               "Connection/Upgrade, and check nothing in front of Caddy strips them",
               "use mode http (upgrades pass by default) and set timeout tunnel 1h",
               "pipe the upgrade: in vcl_recv, if (req.http.Upgrade ~ \"(?i)websocket\") { "
               "return (pipe); } and in vcl_pipe, set bereq.http.Upgrade = req.http.Upgrade; set "
               "bereq.http.Connection = req.http.Connection; (deploy/varnish.vcl)"});
    } else if (websocket->outcome == proto::Outcome::kSilent) {
      advice.fixes.push_back(
          "WebSocket: the upgrade succeeds but no frame arrives afterwards. That is a proxy or "
          "security appliance that inspects or holds the connection; it cannot be fixed in "
          "Tandem's proxy configuration. Clients detect it within their deadline and fall back.");
    } else if (websocket->outcome == proto::Outcome::kOrigin) {
      advice.fixes.push_back("allow the page's origin: tandem serve --allow-origin " +
                             std::string("<the page's origin>") +
                             " (or TANDEM_ALLOW_ORIGIN); a proxy that rewrites Host also needs "
                             "proxy_set_header Host $host (nginx)");
    }
  }
  if (failed(sse) && sse->outcome == proto::Outcome::kBuffered) {
    add_fix(advice, advice.proxy,
            {"do not buffer /v1/sse: remove proxy_ignore_headers X-Accel-Buffering, or set "
             "proxy_buffering off; in its location",
             "ProxyPass ... flushpackets=on for /v1/sse, and no mod_deflate on text/event-stream",
             "reverse_proxy flushes event streams; remove any encode or buffering directive for "
             "/v1/sse (flush_interval -1)",
             "HAProxy does not buffer streams; check compression (no compression on "
             "text/event-stream)",
             "return (pass) for /v1/ (never hash or cache it), leave beresp.do_stream on, and "
             "keep the backend request HTTP/1.1 (Varnish holds back close-delimited streams)"});
  }
  if (failed(poll) && poll->outcome == proto::Outcome::kTimeout) {
    add_fix(advice, advice.proxy,
            {"proxy_read_timeout 60s; (longer than the 25 s poll hold)", "ProxyTimeout 60",
             "no read timeout by default: check transport timeouts (read_timeout)",
             "timeout server 60s and timeout client 60s (longer than the 25 s poll hold)",
             "in the backend: .first_byte_timeout = 60s; (longer than the 25 s poll hold)"});
    advice.fixes.push_back(
        "or make the server's hold shorter than the proxy's timeout: tandem serve --poll-hold "
        "<less than the timeout>");
  }
  if (failed(post) && post->outcome == proto::Outcome::kOrigin) {
    advice.fixes.push_back(
        "allow the page's origin on the server: tandem serve --allow-origin <origin>");
  }
  // 421 host_not_allowed: a server on loopback answers IP literals and localhost only.
  for (const Finding& finding : diagnosis.findings) {
    if (finding.detail.find("host_not_allowed") == std::string::npos) continue;
    advice.fixes.push_back(
        "the server refuses the Host name it was reached by (421 host_not_allowed, the "
        "DNS-rebinding defence): tandem serve --allow-host <that name> (or list the public "
        "origin in --allow-origin)");
    break;
  }
  return advice;
}

}  // namespace tandem::doctor
