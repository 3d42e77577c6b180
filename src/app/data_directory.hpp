#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace tandem::app {

// The server's data directory, created if missing and locked (flock on LOCK) for as long as
// this object lives, so two servers can never write the same store.
class DataDirectory {
 public:
  // Throws std::runtime_error naming the directory and the problem.
  explicit DataDirectory(std::filesystem::path path);
  ~DataDirectory();

  DataDirectory(const DataDirectory&) = delete;
  DataDirectory& operator=(const DataDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // For /readyz: nothing when the directory is usable, else why not.
  std::optional<std::string> problem() const;

 private:
  std::filesystem::path path_;
  int lock_fd_ = -1;
};

}  // namespace tandem::app
