#include "server/http_server.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>

#include <cerrno>
#include <chrono>
#include <future>
#include <iterator>
#include <system_error>
#include <utility>
#include <vector>

namespace tandem::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Young connections are spared: a client that just connected is about to send its request.
constexpr std::chrono::milliseconds kShedAge{250};
constexpr std::chrono::milliseconds kExhaustedRetry{50};
constexpr std::chrono::seconds kExhaustionLogInterval{10};

bool out_of_descriptors(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec.value() == ENFILE || ec.value() == ENOBUFS ||
         ec.value() == ENOMEM;
}

// Closes the loop's connections that are idle and older than `opened_before`; runs on that loop.
// This runs out of descriptors by definition, and UBSan's vptr check then reports every object
// as invalid: it reads the vtable through a pipe it opens for the purpose, and no descriptor is
// left for one. The check is off here only (ASan still guards every access).
__attribute__((no_sanitize("vptr"))) std::uint64_t shed_idle(
    LoopConnections& connections, std::chrono::steady_clock::time_point opened_before) {
  const auto open = connections.open;
  std::uint64_t shed = 0;
  for (Connection* connection : open) {
    if (connections.open.contains(connection) && connection->shed_if_idle(opened_before)) ++shed;
  }
  return shed;
}

// The whole answer to a connection over the per-address limit, written without waiting.
std::string too_many_connections_response(std::size_t per_ip) {
  const std::string body = fmt::format(
      R"({{"error":{{"code":"too_many_connections","message":"at most {} connections per client address"}}}})",
      per_ip);
  return fmt::format(
      "HTTP/1.1 429 Too Many Requests\r\nServer: tandem\r\nContent-Type: application/json\r\n"
      "Cache-Control: no-store\r\nRetry-After: 5\r\nConnection: close\r\n"
      "Content-Length: {}\r\n\r\n{}",
      body.size(), body);
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, const Router& router, EventLoopPool& loops)
    : options_(std::move(options)),
      loops_(loops),
      environment_{router, options_.limits, tracker_, options_.resolve_client,
                   options_.screen_head},
      acceptor_(loops_.loop(0)),
      accept_retry_(loops_.loop(0)),
      per_ip_(options_.max_connections_per_ip),
      too_many_answer_(too_many_connections_response(options_.max_connections_per_ip)) {
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    connections_.push_back(std::make_unique<LoopConnections>(LoopConnections{i, &tracker_, {}}));
  }
}

HttpServer::~HttpServer() {
  if (!tracker_.draining()) begin_shutdown([] {});
  force_close();
  // The acceptor's and every connection's handlers, and the per-loop tasks posted above, refer
  // to this object: a barrier on every loop (posted after them) waits them out.
  // Twice: a task that ran before the first barrier may itself have queued a completion.
  for (int round = 0; round < 2; ++round) {
    std::vector<std::promise<void>> barriers(loops_.size());
    for (std::size_t i = 0; i < loops_.size(); ++i) {
      asio::post(loops_.loop(i), [&barrier = barriers[i]] { barrier.set_value(); });
    }
    for (auto& barrier : barriers) barrier.get_future().wait();
  }
  tracker_.wait_closed();
  close_reserve();
}

void HttpServer::start() {
  const tcp::endpoint& endpoint = options_.listen;
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  reopen_reserve();
  asio::post(acceptor_.get_executor(), [this] { do_accept(); });
}

tcp::endpoint HttpServer::local_endpoint() const { return acceptor_.local_endpoint(); }

void HttpServer::do_accept() {
  reopen_reserve();
  const std::size_t loop = loops_.next_index();
  acceptor_.async_accept(loops_.loop(loop),
                         [this, loop](boost::beast::error_code ec, tcp::socket socket) {
                           on_accept(loop, ec, std::move(socket));
                         });
}

void HttpServer::on_accept(std::size_t loop, boost::beast::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (out_of_descriptors(ec)) return on_descriptors_exhausted();
  if (ec) {
    // Some other failure (out of memory, a firewall): pause instead of spinning on it.
    spdlog::warn("accept failed: {}", ec.message());
    accept_retry_.expires_after(std::chrono::milliseconds(100));
    accept_retry_.async_wait([this](boost::beast::error_code wait_ec) {
      if (!wait_ec) do_accept();
    });
    return;
  }
  start_session(loop, std::move(socket));
  do_accept();
}

void HttpServer::start_session(std::size_t loop, tcp::socket socket) {
  boost::beast::error_code peer_ec;
  const tcp::endpoint peer = socket.remote_endpoint(peer_ec);
  if (peer_ec) return;  // already gone
  std::optional<security::ConnectionLimiter::Lease> slot;
  if (!options_.exempt_from_per_ip || !options_.exempt_from_per_ip(peer.address())) {
    slot = per_ip_.acquire(peer.address());
    if (!slot) {
      // Answered here, before it costs a session: one address cannot hold every descriptor.
      refused_per_ip_.fetch_add(1, std::memory_order_relaxed);
      ::send(socket.native_handle(), too_many_answer_.data(), too_many_answer_.size(),
             MSG_DONTWAIT | MSG_NOSIGNAL);
      boost::beast::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_send, ignored);
      socket.close(ignored);
      return;
    }
  }
  boost::beast::error_code option_ec;
  socket.set_option(tcp::no_delay(true), option_ec);
  // The session is born on the loop that owns its socket and never leaves it.
  asio::post(loops_.loop(loop),
             [this, loop, socket = std::move(socket), slot = std::move(slot)]() mutable {
               std::make_shared<HttpSession>(std::move(socket), environment_, *connections_[loop],
                                             std::move(slot))
                   ->start();
             });
}

void HttpServer::on_descriptors_exhausted() {
  descriptors_exhausted_.fetch_add(1, std::memory_order_relaxed);
  const auto now = std::chrono::steady_clock::now();
  if (now - last_exhaustion_log_ >= kExhaustionLogInterval) {
    last_exhaustion_log_ = now;
    spdlog::warn(
        "out of file descriptors with {} connections open: closing connections that are not "
        "being answered (logged at most every {} s; see tandem_http_descriptors_exhausted_total)",
        tracker_.open(), kExhaustionLogInterval.count());
  }
  shed_idle_connections();
  if (reserve_fd_ >= 0) {
    // The reserve makes room for the connection waiting first (often a health check).
    close_reserve();
    boost::beast::error_code ec;
    acceptor_.non_blocking(true, ec);
    const std::size_t loop = loops_.next_index();
    tcp::socket socket = acceptor_.accept(loops_.loop(loop), ec);
    if (!ec) start_session(loop, std::move(socket));
  }
  accept_retry_.expires_after(kExhaustedRetry);
  accept_retry_.async_wait([this](boost::beast::error_code wait_ec) {
    if (!wait_ec) do_accept();
  });
}

void HttpServer::shed_idle_connections() {
  const auto opened_before = std::chrono::steady_clock::now() - kShedAge;
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    asio::post(loops_.loop(i), [this, connections = connections_[i].get(), opened_before] {
      shed_.fetch_add(shed_idle(*connections, opened_before), std::memory_order_relaxed);
    });
  }
}

void HttpServer::reopen_reserve() {
  if (reserve_fd_ < 0) reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void HttpServer::close_reserve() {
  if (reserve_fd_ < 0) return;
  ::close(reserve_fd_);
  reserve_fd_ = -1;
}

void HttpServer::append_prometheus(std::string& out) const {
  struct Counter {
    const char* name;
    const char* help;
    std::uint64_t value;
  };
  const Counter counters[] = {
      {"tandem_http_connections_refused_per_ip_total",
       "TCP connections closed at accept with 429: their address held max-connections-per-ip.",
       refused_per_ip_.load(std::memory_order_relaxed)},
      {"tandem_http_descriptors_exhausted_total",
       "Accepts that failed for want of file descriptors (EMFILE, ENFILE).",
       descriptors_exhausted_.load(std::memory_order_relaxed)},
      {"tandem_http_connections_shed_total",
       "Connections without a request being answered, closed to free descriptors.",
       shed_.load(std::memory_order_relaxed)},
  };
  for (const Counter& counter : counters) {
    fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n",
                   counter.name, counter.help, counter.value);
  }
}

void HttpServer::for_each_connection(void (Connection::*action)()) {
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    asio::post(loops_.loop(i), [connections = connections_[i].get(), action] {
      // Copy first: an action may close a connection, and closing may erase it from the set.
      const auto open = connections->open;
      for (Connection* connection : open) {
        if (connections->open.contains(connection)) (connection->*action)();
      }
    });
  }
}

void HttpServer::begin_shutdown(std::function<void()> on_drained) {
  tracker_.begin_draining(std::move(on_drained));
  asio::post(acceptor_.get_executor(), [this] {
    boost::beast::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
    close_reserve();
  });
  for_each_connection(&Connection::begin_shutdown);
}

void HttpServer::force_close() { for_each_connection(&Connection::force_close); }

}  // namespace tandem::server
