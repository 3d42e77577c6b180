#include "redis_test_server.hpp"

#include "../support/server_harness.hpp"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;

namespace tandem::bus::test {
namespace {

using tandem::test::free_port;
using tandem::test::read_file;

// Sanitized builds are several times slower; so is everything they wait for.
int slow_factor() { return std::getenv("TANDEM_SANITIZED") != nullptr ? 4 : 1; }

}  // namespace

std::string RedisTestServer::find_binary() {
  if (const char* path = std::getenv("TANDEM_REDIS_SERVER"); path != nullptr && *path != '\0') {
    return path;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/usr/sbin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = std::filesystem::path(dir) / "redis-server";
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

RedisTestServer::RedisTestServer(std::string password) : password_(std::move(password)) {}

RedisTestServer::~RedisTestServer() {
  kill();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string RedisTestServer::url() const {
  return "redis://" + (password_.empty() ? "" : ":" + password_ + "@") +
         "127.0.0.1:" + std::to_string(port_);
}

bool RedisTestServer::start(std::string& error) {
  if (running()) return true;
  const std::string binary = find_binary();
  if (binary.empty()) {
    error = "redis-server not found";
    return false;
  }
  if (dir_.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "tandem-redis-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      error = "mkdtemp failed";
      return false;
    }
    dir_ = pattern;
  }
  const bool same_port = port_ != 0;
  for (int attempt = 0; attempt < (same_port ? 50 : 5); ++attempt) {
    if (!same_port) port_ = free_port();
    std::vector<std::string> argv{binary,
                                  "--save",
                                  "",
                                  "--appendonly",
                                  "no",
                                  "--port",
                                  std::to_string(port_),
                                  "--bind",
                                  "127.0.0.1",
                                  "--dir",
                                  dir_,
                                  "--logfile",
                                  dir_ + "/redis.log",
                                  "--daemonize",
                                  "no"};
    if (!password_.empty()) {
      argv.emplace_back("--requirepass");
      argv.push_back(password_);
    }
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) {
      error = "cannot run " + binary;
      return false;
    }
    pid_ = pid;
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(20 * slow_factor());
    while (std::chrono::steady_clock::now() < deadline) {
      if (answers_ping()) return true;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) break;  // exited: port taken, most likely
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill();
    // The same port may still be held for a moment after a kill; try again.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  error = "redis-server did not start on port " + std::to_string(port_) + "; log:\n" +
          read_file(dir_ + "/redis.log");
  return false;
}

bool RedisTestServer::answers_ping() const {
  timeval timeout{1, 0};
  redisContext* context = redisConnectWithTimeout("127.0.0.1", port_, timeout);
  bool ok = context != nullptr && context->err == 0;
  if (ok) {
    redisSetTimeout(context, timeout);
    if (!password_.empty()) {
      auto* auth = static_cast<redisReply*>(redisCommand(context, "AUTH %s", password_.c_str()));
      ok = auth != nullptr && auth->type != REDIS_REPLY_ERROR;
      if (auth != nullptr) freeReplyObject(auth);
    }
    if (ok) {
      // Ours, not another test's server that took the port first: INFO names its process.
      auto* reply = static_cast<redisReply*>(redisCommand(context, "INFO server"));
      ok =
          reply != nullptr && reply->type == REDIS_REPLY_STRING &&
          std::string(reply->str, reply->len).find("process_id:" + std::to_string(pid_) + "\r\n") !=
              std::string::npos;
      if (reply != nullptr) freeReplyObject(reply);
    }
  }
  if (context != nullptr) redisFree(context);
  return ok;
}

void RedisTestServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = 0;
  frozen_ = false;
}

void RedisTestServer::freeze() {
  if (pid_ > 0 && !frozen_) {
    ::kill(pid_, SIGSTOP);
    frozen_ = true;
  }
}

void RedisTestServer::thaw() {
  if (pid_ > 0 && frozen_) {
    ::kill(pid_, SIGCONT);
    frozen_ = false;
  }
}

}  // namespace tandem::bus::test
