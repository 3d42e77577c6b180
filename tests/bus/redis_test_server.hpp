#pragma once

#include <string>

namespace tandem::bus::test {

// A throwaway redis-server for the bus tests: `redis-server --save "" --appendonly no --port P
// --bind 127.0.0.1` on a free loopback port, in its own temp directory, killed by PID. It can be
// killed and started again on the same port (a Redis restart) or frozen with SIGSTOP (a Redis
// that stops answering). The only reason a test may skip is a missing binary.
class RedisTestServer {
 public:
  // Where redis-server is: $TANDEM_REDIS_SERVER, else found on PATH; "" when not installed.
  static std::string find_binary();

  // `password` non-empty: started with --requirepass.
  explicit RedisTestServer(std::string password = "");
  RedisTestServer(const RedisTestServer&) = delete;
  RedisTestServer& operator=(const RedisTestServer&) = delete;
  ~RedisTestServer();  // kills the server and removes its directory

  // Starts on a free port the first time, on the same port afterwards; waits until it answers
  // PING. False with `error` set when it does not come up.
  bool start(std::string& error);
  // SIGKILL, and waits until the process is gone (its connections are reset by the kernel).
  void kill();
  // SIGSTOP / SIGCONT: connections stay open but nothing is answered.
  void freeze();
  void thaw();

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] bool running() const { return pid_ > 0; }
  // redis://127.0.0.1:PORT, with :PASSWORD@ when it has one.
  [[nodiscard]] std::string url() const;

 private:
  // True once the server started here answers (INFO server names our process).
  bool answers_ping() const;

  std::string password_;
  std::string dir_;
  int port_ = 0;
  int pid_ = 0;
  bool frozen_ = false;
};

}  // namespace tandem::bus::test
