#include "bus/hiredis_asio.hpp"

#include <hiredis/async.h>

#include <boost/asio/posix/stream_descriptor.hpp>

#include <memory>

namespace tandem::bus {
namespace {

namespace asio = boost::asio;
using Descriptor = asio::posix::stream_descriptor;

// The watcher of one context's socket. hiredis holds it as ev.data; it keeps itself alive (self_)
// until hiredis' cleanup hook, and each pending wait holds it too, so a wait that completes
// after the context was freed finds it detached instead of freed.
class SocketWatcher : public std::enable_shared_from_this<SocketWatcher> {
 public:
  SocketWatcher(redisAsyncContext* context, asio::io_context& io)
      : context_(context), socket_(io) {}

  bool attach() {
    boost::system::error_code ec;
    socket_.assign(context_->c.fd, ec);
    if (ec) return false;
    self_ = shared_from_this();
    context_->ev.data = this;
    context_->ev.addRead = [](void* data) { static_cast<SocketWatcher*>(data)->want(kRead, true); };
    context_->ev.delRead = [](void* data) {
      static_cast<SocketWatcher*>(data)->want(kRead, false);
    };
    context_->ev.addWrite = [](void* data) {
      static_cast<SocketWatcher*>(data)->want(kWrite, true);
    };
    context_->ev.delWrite = [](void* data) {
      static_cast<SocketWatcher*>(data)->want(kWrite, false);
    };
    context_->ev.cleanup = [](void* data) { static_cast<SocketWatcher*>(data)->detach(); };
    return true;
  }

 private:
  enum Direction { kRead = 0, kWrite = 1 };

  void want(Direction direction, bool wanted) {
    wanted_[direction] = wanted;
    if (wanted) arm(direction);
  }

  // hiredis' interest is persistent (like libevent's EV_PERSIST): after each readiness the wait
  // is armed again for as long as hiredis wants it.
  void arm(Direction direction) {
    if (context_ == nullptr || !wanted_[direction] || armed_[direction]) return;
    armed_[direction] = true;
    socket_.async_wait(direction == kRead ? Descriptor::wait_read : Descriptor::wait_write,
                       [self = shared_from_this(), direction](const boost::system::error_code& ec) {
                         self->armed_[direction] = false;
                         if (ec || self->context_ == nullptr || !self->wanted_[direction]) return;
                         // Either call may free the context (a lost connection), which detaches
                         // this watcher.
                         if (direction == kRead) {
                           redisAsyncHandleRead(self->context_);
                         } else {
                           redisAsyncHandleWrite(self->context_);
                         }
                         self->arm(direction);
                       });
  }

  // hiredis frees the context and then closes the descriptor itself: give it back, unwatched.
  void detach() {
    // hiredis may run the cleanup hook twice (on disconnect, then on free): unhook first.
    context_->ev = {};
    context_ = nullptr;
    wanted_[kRead] = wanted_[kWrite] = false;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    (void)socket_.release();
    // Pending waits (cancelled) still hold a reference; the last one frees this watcher.
    const auto keep_until_return = std::move(self_);
  }

  redisAsyncContext* context_;
  Descriptor socket_;
  bool wanted_[2] = {false, false};
  bool armed_[2] = {false, false};
  std::shared_ptr<SocketWatcher> self_;
};

}  // namespace

bool attach_to_asio(redisAsyncContext* context, asio::io_context& io) {
  if (context == nullptr || context->ev.data != nullptr || context->c.fd < 0) return false;
  return std::make_shared<SocketWatcher>(context, io)->attach();
}

}  // namespace tandem::bus
