#include "server/static_files.hpp"

#include "server/json_error.hpp"
#include "server/router.hpp"

#include <fmt/format.h>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/parse.hpp>

#include <array>
#include <chrono>
#include <string>
#include <system_error>
#include <utility>

namespace tandem::server {

namespace fs = std::filesystem;

std::string_view content_type_for(const fs::path& file) {
  struct Entry {
    std::string_view extension;
    std::string_view type;
  };
  static constexpr std::array<Entry, 13> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
      {".wasm", "application/wasm"},
      {".webmanifest", "application/manifest+json"},
  }};
  const std::string extension = file.extension().string();
  for (const Entry& entry : kTypes) {
    if (entry.extension == extension) return entry.type;
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(fs::path root) : root_(std::move(root)) {}

std::optional<fs::path> StaticFiles::resolve(std::string_view url_path) const {
  auto decoded = boost::urls::make_pct_string_view(url_path);
  if (!decoded) return std::nullopt;
  fs::path relative;
  std::string segment;
  auto append_segment = [&]() -> bool {
    // Refuse anything that could climb out of the root or hide a separator.
    if (segment == "..") return false;
    if (segment.find('\0') != std::string::npos || segment.find('\\') != std::string::npos) {
      return false;
    }
    if (!segment.empty() && segment != ".") relative /= segment;
    segment.clear();
    return true;
  };
  std::string path;
  for (char c : decoded->decode()) path.push_back(c);
  if (path.empty() || path.front() != '/') return std::nullopt;
  for (std::size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (!append_segment()) return std::nullopt;
    } else {
      segment.push_back(path[i]);
    }
  }
  fs::path file = root_ / relative;
  std::error_code ec;
  if (fs::is_directory(file, ec)) file /= "index.html";
  return file;
}

ResponseGenerator StaticFiles::handle(const Request& request, const RequestContext&) const {
  return serve(request, target_path(request.target()));
}

ResponseGenerator StaticFiles::serve(const Request& request, std::string_view path) const {
  const auto file = resolve(path);
  auto not_found = [&] {
    return finish_response(
        request, make_json_error(http::status::not_found, "not_found",
                                 fmt::format("No resource at {}", path), request.version()));
  };
  if (!file) return not_found();

  std::error_code ec;
  const auto status = fs::status(*file, ec);
  if (ec || !fs::is_regular_file(status)) return not_found();
  const auto size = fs::file_size(*file, ec);
  const auto modified = fs::last_write_time(*file, ec);
  if (ec) return not_found();

  // A validator cheap to compute and stable across restarts: size and modification time.
  const std::string etag = fmt::format("\"{:x}-{:x}\"", size, modified.time_since_epoch().count());
  auto set_common = [&](auto& response) {
    response.set(http::field::server, "tandem");
    response.set(http::field::content_type, content_type_for(*file));
    response.set(http::field::etag, etag);
    // Revalidate every time: the demo must never run a stale client against a new server.
    response.set(http::field::cache_control, "no-cache");
    response.set("X-Content-Type-Options", "nosniff");
    response.keep_alive(request.keep_alive());
  };

  if (request[http::field::if_none_match] == etag) {
    http::response<http::empty_body> response{http::status::not_modified, request.version()};
    set_common(response);
    return ResponseGenerator{std::move(response)};
  }
  if (request.method() == http::verb::head) {
    http::response<http::empty_body> response{http::status::ok, request.version()};
    set_common(response);
    response.content_length(size);
    return ResponseGenerator{std::move(response)};
  }

  http::file_body::value_type body;
  boost::beast::error_code open_error;
  body.open(file->c_str(), boost::beast::file_mode::scan, open_error);
  if (open_error) return not_found();
  http::response<http::file_body> response{http::status::ok, request.version(), std::move(body)};
  set_common(response);
  response.prepare_payload();
  return ResponseGenerator{std::move(response)};
}

}  // namespace tandem::server
