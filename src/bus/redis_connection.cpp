#include "bus/redis_connection.hpp"

#include "bus/hiredis_asio.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/post.hpp>

#include <cstdint>
#include <utility>

namespace tandem::bus {
namespace {

namespace asio = boost::asio;

constexpr std::uintptr_t kAuthStep = 1;
constexpr std::uintptr_t kPingStep = 2;

RedisConnection* owner_of(const redisAsyncContext* context) {
  return static_cast<RedisConnection*>(context->data);
}

std::string error_text(const redisAsyncContext* context) {
  return context->errstr != nullptr && context->errstr[0] != '\0' ? context->errstr
                                                                  : "connection closed";
}

}  // namespace

RedisConnection::RedisConnection(asio::io_context& io, std::string role, Events events)
    : io_(io), role_(std::move(role)), events_(std::move(events)) {}

RedisConnection::~RedisConnection() {
  closing_ = true;
  // Runs the pending callbacks (null replies) and the disconnect callback now; all of them see
  // closing_ and report nothing.
  if (context_ != nullptr) redisAsyncFree(context_);
}

void RedisConnection::connect(const std::string& ip, std::uint16_t port,
                              const RedisAddress& credentials) {
  context_ = redisAsyncConnect(ip.c_str(), port);
  if (context_ == nullptr) {
    report_lost(role_ + ": out of memory");
    return;
  }
  if (context_->err != 0) {
    std::string reason = role_ + ": " + error_text(context_);
    redisAsyncFree(context_);
    context_ = nullptr;
    report_lost(std::move(reason));
    return;
  }
  context_->data = this;
  if (!attach_to_asio(context_, io_)) {
    redisAsyncFree(context_);
    context_ = nullptr;
    report_lost(role_ + ": cannot watch the socket");
    return;
  }
  redisAsyncSetDisconnectCallback(context_, &RedisConnection::on_disconnect);
  // Also starts waiting for the socket to become writable: that is when the connect completes.
  redisAsyncSetConnectCallback(context_, &RedisConnection::on_connect);
  // Queued now, written once connected: AUTH first when there is a password, then a PING whose
  // answer proves the server talks Redis and accepts us.
  if (!credentials.password.empty()) {
    authenticating_ = true;
    std::vector<std::string_view> auth{"AUTH"};
    if (!credentials.user.empty()) auth.emplace_back(credentials.user);
    auth.emplace_back(credentials.password);
    send_argv(auth, &RedisConnection::on_handshake_reply,
              reinterpret_cast<void*>(kAuthStep));  // NOLINT(performance-no-int-to-ptr)
  }
  send_argv({"PING"}, &RedisConnection::on_handshake_reply,
            reinterpret_cast<void*>(kPingStep));  // NOLINT(performance-no-int-to-ptr)
}

bool RedisConnection::send(const std::vector<std::string_view>& args, std::size_t weight) {
  // The weight travels as the callback's privdata: no allocation per command.
  if (!send_argv(args, &RedisConnection::on_counted_reply,
                 reinterpret_cast<void*>(weight))) {  // NOLINT(performance-no-int-to-ptr)
    return false;
  }
  pending_bytes_ += weight;
  return true;
}

bool RedisConnection::send_subscription(std::string_view verb,
                                        const std::vector<std::string>& channels) {
  std::vector<std::string_view> args{verb};
  for (const std::string& channel : channels) args.emplace_back(channel);
  return send_argv(args, &RedisConnection::on_subscription_reply, nullptr);
}

bool RedisConnection::send_argv(const std::vector<std::string_view>& args,
                                void (*callback)(redisAsyncContext*, void*, void*),
                                void* privdata) {
  if (context_ == nullptr || closing_) return false;
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (std::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  // Binary-safe: every argument goes with its length (topics and payloads may hold any byte).
  return redisAsyncCommandArgv(context_, callback, privdata, static_cast<int>(argv.size()),
                               argv.data(), lengths.data()) == REDIS_OK;
}

void RedisConnection::report_lost(std::string reason) {
  if (reported_lost_ || closing_) return;
  reported_lost_ = true;
  asio::post(io_, [lost = events_.lost, reason = std::move(reason)] { lost(reason); });
}

void RedisConnection::on_connect(const redisAsyncContext* context, int status) {
  RedisConnection* self = owner_of(context);
  if (status == REDIS_OK) return;  // the PING's answer says when it is ready
  // hiredis frees the context right after this callback.
  self->context_ = nullptr;
  self->report_lost(self->role_ + ": cannot connect: " + error_text(context));
}

void RedisConnection::on_disconnect(const redisAsyncContext* context, int /*status*/) {
  RedisConnection* self = owner_of(context);
  // hiredis frees the context right after this callback.
  self->context_ = nullptr;
  self->report_lost(self->role_ + ": " + error_text(context));
}

void RedisConnection::on_handshake_reply(redisAsyncContext* context, void* reply, void* privdata) {
  if (reply == nullptr) return;  // the connection is going away; on_disconnect reports it
  RedisConnection* self = owner_of(context);
  if (self->closing_) return;
  const auto* answer = static_cast<const redisReply*>(reply);
  const auto step = reinterpret_cast<std::uintptr_t>(privdata);
  self->last_answer_ = std::chrono::steady_clock::now();
  if (answer->type == REDIS_REPLY_ERROR) {
    const std::string text(answer->str, answer->len);
    // After a refused AUTH the PING fails too; the AUTH's error is the one that explains.
    self->report_lost(self->role_ + (step == kAuthStep ? ": AUTH refused: " : ": ") + text);
    return;
  }
  if (step == kPingStep) {
    asio::post(self->io_, [ready = self->events_.ready] { ready(); });
  }
}

void RedisConnection::on_counted_reply(redisAsyncContext* context, void* reply, void* privdata) {
  RedisConnection* self = owner_of(context);
  if (self == nullptr) return;
  self->pending_bytes_ -= reinterpret_cast<std::uintptr_t>(privdata);
  if (reply != nullptr) self->last_answer_ = std::chrono::steady_clock::now();
}

void RedisConnection::on_subscription_reply(redisAsyncContext* context, void* reply,
                                            void* /*privdata*/) {
  if (reply == nullptr) return;
  RedisConnection* self = owner_of(context);
  if (self->closing_) return;
  self->last_answer_ = std::chrono::steady_clock::now();
  self->events_.push(*static_cast<const redisReply*>(reply));
}

}  // namespace tandem::bus
