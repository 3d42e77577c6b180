#pragma once

#include "server/router.hpp"

namespace tandem::server {

// GET /v1/probe: what the request looked like when it reached the server (HTTP version, the
// Upgrade and Connection headers, what proxies added), so `tandem doctor` can tell what a
// proxy in between changes (docs/deploying.md). It echoes only the request's own headers.
void add_probe_route(Router& router);

}  // namespace tandem::server
