#include "server/document_routes.hpp"

#include "proto/identifiers.hpp"
#include "server/json_error.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/pct_string_view.hpp>

#include <memory>

namespace tandem::server {

namespace {

constexpr std::string_view kPrefix = "/v1/docs/";

}  // namespace

void add_document_routes(Router& router, collab::Collaboration& collaboration,
                         RequestAuthorizer authorize) {
  router.add_prefix_async(
      http::verb::get, std::string(kPrefix),
      [&collaboration, authorize = std::move(authorize)](
          const Request& request, const RequestContext&, const Responder& respond) {
        const std::string_view raw = target_path(request.target()).substr(kPrefix.size());
        auto encoded = boost::urls::make_pct_string_view(raw);
        std::string doc;
        if (encoded) {
          for (char c : encoded->decode()) doc.push_back(c);
        }
        if (!encoded || !proto::is_valid_doc_id(doc)) {
          return respond(finish_response(
              request, make_json_error(http::status::bad_request, "bad_doc_id",
                                       "document ids are 1-128 characters of A-Z a-z 0-9 . _ ~ -",
                                       request.version())));
        }
        auto permissions = authorize(request);
        if (auto* refusal = std::get_if<proto::ErrorMessage>(&permissions)) {
          return respond(finish_response(
              request,
              make_json_error(status_for(refusal->code), proto::error_code_name(refusal->code),
                              refusal->message, request.version())));
        }
        if (std::get<Permissions>(permissions).access_for(doc) == Access::kNone) {
          return respond(finish_response(
              request, make_json_error(http::status::forbidden, "forbidden",
                                       "the access token does not grant access to " + doc,
                                       request.version())));
        }
        // The read completes on the document's loop; only what the answer needs is carried.
        const bool head = request.method() == http::verb::head;
        const unsigned version = request.version();
        const bool keep_alive = request.keep_alive();
        collaboration.read(doc, [respond, doc, head, version,
                                 keep_alive](collab::DocumentRead read) {
          Response response;
          if (!read.ok) {
            response = make_json_error(http::status::service_unavailable, "internal",
                                       "the document could not be read", version, keep_alive);
          } else {
            boost::json::value body = {{"id", doc}, {"version", read.version}, {"text", read.text}};
            response = make_json_response(http::status::ok, boost::json::serialize(body), version,
                                          keep_alive);
          }
          if (head) {
            const auto length = response.body().size();
            response.body().clear();
            response.content_length(length);
          }
          respond(ResponseGenerator(std::move(response)));
        });
      });
}

}  // namespace tandem::server
