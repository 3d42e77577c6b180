#include "app/data_directory.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace tandem::app {

DataDirectory::DataDirectory(std::filesystem::path path) : path_(std::move(path)) {
  std::error_code ec;
  std::filesystem::create_directories(path_, ec);
  if (ec) {
    throw std::runtime_error("cannot create data directory " + path_.string() + ": " +
                             ec.message());
  }
  const std::string lock_path = (path_ / "LOCK").string();
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) {
    throw std::runtime_error("cannot open " + lock_path + ": " + std::strerror(errno));
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (error == EWOULDBLOCK) {
      throw std::runtime_error("data directory " + path_.string() +
                               " is in use by another tandem process");
    }
    throw std::runtime_error("cannot lock " + lock_path + ": " + std::strerror(error));
  }
}

DataDirectory::~DataDirectory() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::optional<std::string> DataDirectory::problem() const {
  if (::access(path_.c_str(), W_OK) != 0) {
    return "data directory " + path_.string() + " is not writable: " + std::strerror(errno);
  }
  return std::nullopt;
}

}  // namespace tandem::app
