#pragma once

#include "collab/collaboration.hpp"
#include "server/protocol_session.hpp"
#include "server/router.hpp"

#include <functional>
#include <optional>
#include <string>
#include <variant>

namespace tandem::server {

// Turns a request's credentials into permissions, or the error that refuses it.
using RequestAuthorizer =
    std::function<std::variant<Permissions, proto::ErrorMessage>(const Request&)>;

// GET /v1/docs/DOC: {"id":DOC,"version":N,"text":...}, the durable state of a document.
void add_document_routes(Router& router, collab::Collaboration& collaboration,
                         RequestAuthorizer authorize);

}  // namespace tandem::server
