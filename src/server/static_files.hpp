#pragma once

#include "server/http_types.hpp"

#include <filesystem>
#include <optional>
#include <string_view>

namespace tandem::server {

// Serves the demo page and client bundle from a directory produced by the build.
class StaticFiles {
 public:
  explicit StaticFiles(std::filesystem::path root);

  ResponseGenerator handle(const Request& request, const RequestContext& context) const;
  // Answers `request` with the file at `url_path`, whatever the request's own target.
  ResponseGenerator serve(const Request& request, std::string_view url_path) const;

  // The file a URL path names under the root, or nothing for paths that try to leave it.
  std::optional<std::filesystem::path> resolve(std::string_view url_path) const;

 private:
  std::filesystem::path root_;
};

std::string_view content_type_for(const std::filesystem::path& file);

}  // namespace tandem::server
