#pragma once

// What the C++ harnesses of throwaway servers started by tests (PostgreSQL in tests/store,
// Redis in tests/bus) share; the node tests have the same in tests/support/free_port.mjs.

#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace tandem::test {

// A loopback port that is free when asked, below the kernel's ephemeral range (32768 and up): a
// port from bind(0) could be taken by any other socket bound to port 0 before the server binds.
inline int free_port() {
  static unsigned seed = static_cast<unsigned>(getpid()) * 7919u;
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = 20000 + static_cast<int>(rand_r(&seed) % 12000);
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    if (free) return port;
  }
  return 0;
}

// A server's log, for the message of a failed start.
inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace tandem::test
