#include "pg_test_server.hpp"

#include "../support/server_harness.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

extern char** environ;

namespace tandem::store::test {
namespace {

constexpr const char* kServerUser = "tandem-test";

// Runs argv (as kServerUser when we are root), waits, and returns its exit status (-1 if it
// could not start). Output goes to the test's own stdout/stderr.
int run(std::vector<std::string> argv) {
  if (geteuid() == 0) {
    argv.insert(argv.begin(), {"runuser", "-u", kServerUser, "--"});
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

using tandem::test::free_port;
using tandem::test::read_file;

bool exec_sql(const std::string& url, const std::string& sql, std::string& error) {
  PGconn* conn = PQconnectdb(url.c_str());
  bool ok = PQstatus(conn) == CONNECTION_OK;
  if (ok) {
    PGresult* result = PQexec(conn, sql.c_str());
    ok = PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK;
    PQclear(result);
  }
  if (!ok) error = sql + ": " + PQerrorMessage(conn);
  PQfinish(conn);
  return ok;
}

// Stops the shared server after the last test (registered on first use).
class StopServerEnvironment : public ::testing::Environment {
 public:
  explicit StopServerEnvironment(std::unique_ptr<PgTestServer>* server) : server_(server) {}
  void TearDown() override { server_->reset(); }

 private:
  std::unique_ptr<PgTestServer>* server_;
};

}  // namespace

std::string find_pg_bin_dir() {
  if (const char* bin = std::getenv("TANDEM_PG_BIN"); bin != nullptr && *bin != '\0') return bin;
  std::string best;
  int best_version = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    const int version = std::atoi(name.c_str());
    if (version > best_version && std::filesystem::exists(entry.path() / "bin" / "pg_ctl")) {
      best_version = version;
      best = (entry.path() / "bin").string();
    }
  }
  return best;
}

PgTestServer* PgTestServer::instance(std::string& why_not, bool& installed) {
  static std::mutex mutex;
  static std::unique_ptr<PgTestServer> server;
  static std::string failure;
  static bool tried = false;
  const std::lock_guard lock(mutex);
  installed = !find_pg_bin_dir().empty();
  if (!installed) {
    why_not =
        "PostgreSQL binaries not found (/usr/lib/postgresql/N/bin or $TANDEM_PG_BIN); "
        "scripts/install-deps installs them";
    return nullptr;
  }
  if (!tried) {
    tried = true;
    auto started = std::unique_ptr<PgTestServer>(new PgTestServer());
    if (started->start(failure)) {
      server = std::move(started);
      ::testing::AddGlobalTestEnvironment(new StopServerEnvironment(&server));
    }
  }
  if (!server) why_not = failure;
  return server.get();
}

bool PgTestServer::start(std::string& error) {
  bin_dir_ = find_pg_bin_dir();
  owner_pid_ = getpid();
  if (geteuid() == 0 && getpwnam(kServerUser) == nullptr) {
    error = std::string("running as root, and the user ") + kServerUser +
            " that runs PostgreSQL is missing; run scripts/install-deps";
    return false;
  }
  std::string pattern = (std::filesystem::temp_directory_path() / "tandem-pg-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    error = "mkdtemp failed";
    return false;
  }
  dir_ = pattern;
  if (geteuid() == 0) {
    const passwd* user = getpwnam(kServerUser);
    if (chown(dir_.c_str(), user->pw_uid, user->pw_gid) != 0) {
      error = "cannot chown " + dir_ + " to " + kServerUser;
      return false;
    }
  }
  const std::string data = dir_ + "/data";
  const std::string log = dir_ + "/server.log";
  // --no-sync only skips initdb's own fsyncs of the fresh cluster; the server runs fsync=on.
  if (run({bin_dir_ + "/initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E",
           "UTF8", "--locale=C"}) != 0) {
    error = "initdb failed in " + dir_;
    return false;
  }
  for (int attempt = 0; attempt < 5 && !running_; ++attempt) {
    port_ = free_port();
    running_ = run({bin_dir_ + "/pg_ctl", "-D", data, "-l", log, "-w", "-t", "120", "-o",
                    server_options(), "start"}) == 0;
  }
  if (!running_) {
    error = "pg_ctl start failed; server log:\n" + read_file(log);
    return false;
  }
  return true;
}

std::string PgTestServer::server_options() const {
  return "-p " + std::to_string(port_) + " -k " + dir_ +
         " -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200";
}

bool PgTestServer::pause(std::string& error) {
  if (run({bin_dir_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "fast", "-w", "-t", "120", "stop"}) !=
      0) {
    error = "pg_ctl stop failed";
    return false;
  }
  running_ = false;
  return true;
}

bool PgTestServer::restart(std::string& error) {
  const std::string log = dir_ + "/server.log";
  // The port may have been taken meanwhile (unlikely below the ephemeral range): retry a while.
  for (int attempt = 0; attempt < 20 && !running_; ++attempt) {
    running_ = run({bin_dir_ + "/pg_ctl", "-D", dir_ + "/data", "-l", log, "-w", "-t", "120", "-o",
                    server_options(), "start"}) == 0;
    if (!running_) sleep(1);
  }
  if (!running_) error = "pg_ctl start failed; server log:\n" + read_file(log);
  return running_;
}

void PgTestServer::stop() {
  if (getpid() != owner_pid_) return;
  if (running_) {
    (void)run({bin_dir_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "stop"});
    running_ = false;
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    dir_.clear();
  }
}

PgTestServer::~PgTestServer() { stop(); }

std::string PgTestServer::admin_url() const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

std::string PgTestServer::create_database(std::string& error) {
  const std::string name = "t" + std::to_string(getpid()) + "_" + std::to_string(next_database_++);
  if (!exec_sql(admin_url(), "CREATE DATABASE " + name, error)) return "";
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + name;
}

}  // namespace tandem::store::test
