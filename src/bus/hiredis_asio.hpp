#pragma once

#include <boost/asio/io_context.hpp>

struct redisAsyncContext;

namespace tandem::bus {

// Drives a hiredis async context from an Asio io_context: hiredis' ev hooks (addRead, delRead,
// addWrite, delWrite, cleanup) start and stop async_waits on its socket, and readiness calls
// redisAsyncHandleRead/Write on the io_context's thread. Nothing blocks: hiredis' socket is
// non-blocking. Call right after redisAsyncConnect, before any command or connect callback, on
// the thread that runs `io`; the attachment ends by itself when hiredis frees the context.
// False when the socket cannot be watched (the caller then frees the context).
bool attach_to_asio(redisAsyncContext* context, boost::asio::io_context& io);

}  // namespace tandem::bus
