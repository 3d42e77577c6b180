#pragma once

#include <memory>
#include <string>

namespace tandem::store::test {

// A throwaway PostgreSQL server for the tests: initdb into a fresh temp directory, pg_ctl start
// on a free loopback port (fsync on), stopped with pg_ctl stop -m immediate and removed when the
// test binary ends. As root it runs as the unprivileged user tandem-test (scripts/install-deps
// creates it), because PostgreSQL refuses to run as root. One server per test binary, started on
// first use; each test asks for its own database.
class PgTestServer {
 public:
  // The shared server, started on first call; null with `why_not` set when the PostgreSQL
  // binaries are not installed (the only reason a PostgreSQL test may skip). A server that is
  // installed but fails to start is a test failure, reported through `why_not` too.
  static PgTestServer* instance(std::string& why_not, bool& installed);

  PgTestServer(const PgTestServer&) = delete;
  PgTestServer& operator=(const PgTestServer&) = delete;
  ~PgTestServer();  // stops the server and removes its directory

  // A new, empty database; returns its URL (postgresql://postgres@127.0.0.1:PORT/NAME), or ""
  // with `error` set.
  std::string create_database(std::string& error);
  // The URL of the maintenance database "postgres", for raw SQL in tests.
  [[nodiscard]] std::string admin_url() const;
  [[nodiscard]] int port() const { return port_; }
  // Stops the server (pg_ctl stop -m fast) keeping its data, to test what happens while the
  // database is down; restart() starts it again on the same port.
  bool pause(std::string& error);
  bool restart(std::string& error);

 private:
  PgTestServer() = default;
  bool start(std::string& error);
  void stop();
  [[nodiscard]] std::string server_options() const;

  std::string bin_dir_;
  std::string dir_;
  int port_ = 0;
  int next_database_ = 0;
  bool running_ = false;
  int owner_pid_ = 0;  // a forked child never stops its parent's server
};

// Where initdb and pg_ctl live: $TANDEM_PG_BIN, else the newest /usr/lib/postgresql/N/bin.
std::string find_pg_bin_dir();

}  // namespace tandem::store::test
