#include "store/pg_connection.hpp"

#include <poll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <optional>
#include <utility>

#include "store/store_error.hpp"

namespace tandem::store {
namespace {

constexpr unsigned int kInt8Oid = 20;
constexpr unsigned int kByteaOid = 17;
constexpr unsigned int kByteaArrayOid = 1001;
constexpr int kBinary = 1;

std::string trimmed(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string redact_once(std::string_view url) {
  std::string out(url);
  const auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    const auto authority = scheme + 3;
    const auto end = out.find_first_of("/?", authority);
    const auto at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at > authority) {
      const auto colon = out.find(':', authority);
      if (colon != std::string::npos && colon < at) out.erase(colon, at - colon);
    }
  }
  // A password can also be a query parameter: postgres://host/db?password=...
  for (auto pos = out.find("password="); pos != std::string::npos;
       pos = out.find("password=", pos + 1)) {
    const auto value = pos + 9;
    const auto end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
  }
  return out;
}

}  // namespace

std::string redact_url(std::string_view url) {
  // Each step can expose a spot for the other (a password= value that swallowed an '@', a
  // user part that hid a password=): repeat until nothing changes (found by redact_url_fuzz).
  std::string out(url);
  for (int pass = 0; pass < 64; ++pass) {
    std::string next = redact_once(out);
    if (next == out) break;
    out = std::move(next);
  }
  return out;
}

PgParams& PgParams::int64(std::int64_t value) {
  std::string bytes(8, '\0');
  auto bits = static_cast<std::uint64_t>(value);
  for (int i = 7; i >= 0; --i) {
    bytes[static_cast<std::size_t>(i)] = static_cast<char>(bits & 0xFFu);
    bits >>= 8;
  }
  values_.push_back(std::move(bytes));
  types_.push_back(kInt8Oid);
  return *this;
}

PgParams& PgParams::bytes(std::string_view value) {
  values_.emplace_back(value);
  types_.push_back(kByteaOid);
  return *this;
}

PgParams& PgParams::bytes_array(const std::vector<std::string>& values) {
  std::string out;
  const auto put_int32 = [&out](std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((value >> shift) & 0xFFu));
    }
  };
  // Header: dimensions, has-nulls flag, element type; then per dimension its length and lower
  // bound; then each element as its length and bytes. An empty array has no dimension.
  put_int32(values.empty() ? 0 : 1);
  put_int32(0);
  put_int32(kByteaOid);
  if (!values.empty()) {
    put_int32(static_cast<std::uint32_t>(values.size()));
    put_int32(1);
  }
  for (const std::string& value : values) {
    put_int32(static_cast<std::uint32_t>(value.size()));
    out += value;
  }
  values_.push_back(std::move(out));
  types_.push_back(kByteaArrayOid);
  return *this;
}

std::int64_t PgResult::int64(int row, int column) const {
  const auto* data = reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row, column));
  if (PQgetlength(result_.get(), row, column) != 8) return 0;
  std::uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits = (bits << 8) | data[i];
  return static_cast<std::int64_t>(bits);
}

std::string PgResult::bytes(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

Result<PgConnection> PgConnection::connect(const std::string& url) {
  // Defaults first: what the URL says overrides them (expand_dbname). A database that is down
  // or does not answer must not hang a caller: connecting gives up after 5 s; on an open session
  // unacknowledged data (tcp_user_timeout) or unanswered keepalives end it after about 30 s.
  const std::array<const char*, 9> keywords{
      "connect_timeout",     "keepalives",       "keepalives_idle",
      "keepalives_interval", "keepalives_count", "tcp_user_timeout",
      "application_name",    "dbname",           nullptr};
  const std::array<const char*, 9> values{"5",     "1",      "15",        "5",    "3",
                                          "30000", "tandem", url.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keywords.data(), values.data(), 1);
  PgConnection connection(raw, redact_url(url));
  if (raw == nullptr) return make_error(ErrorCode::kIo, connection.name_ + ": out of memory");
  if (PQstatus(raw) != CONNECTION_OK) {
    return make_error(ErrorCode::kIo,
                      connection.name_ + ": cannot connect: " + trimmed(PQerrorMessage(raw)));
  }
  // Notices ("relation already exists, skipping") are not errors; libpq would print them.
  PQsetNoticeProcessor(
      raw, [](void*, const char*) {}, nullptr);
  return connection;
}

bool PgConnection::healthy() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }

PGTransactionStatusType PgConnection::transaction_status() const {
  return PQtransactionStatus(conn_.get());
}

Error PgConnection::error(std::string_view what, const PGresult* result) const {
  std::string message = name_ + ": " + std::string(what) + ": ";
  if (result != nullptr) {
    message += trimmed(PQresultErrorMessage(result));
    if (const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE); state != nullptr) {
      message += std::string(" (SQLSTATE ") + state + ")";
    }
  } else {
    message += trimmed(PQerrorMessage(conn_.get()));
  }
  return make_error(ErrorCode::kIo, std::move(message));
}

Result<void> PgConnection::exec(const char* sql, std::string_view what) {
  const PgResult result(PQexec(conn_.get(), sql));
  const ExecStatusType status = PQresultStatus(result.raw());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return error(what, result.raw());
  return {};
}

Result<PgResult> PgConnection::query(const char* sql, const PgParams& params,
                                     std::string_view what) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  const std::vector<int> formats(params.values_.size(), kBinary);
  for (const std::string& value : params.values_) {
    values.push_back(value.data());
    lengths.push_back(static_cast<int>(value.size()));
  }
  PgResult result(PQexecParams(conn_.get(), sql, static_cast<int>(values.size()),
                               params.types_.data(), values.data(), lengths.data(), formats.data(),
                               kBinary));
  const ExecStatusType status = PQresultStatus(result.raw());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return error(what, result.raw());
  return result;
}

bool PgConnection::await_result() {
  if (response_timeout_.count() <= 0) return true;
  PGconn* conn = conn_.get();
  using std::chrono::steady_clock;
  const auto deadline = steady_clock::now() + response_timeout_;
  while (PQisBusy(conn) == 1) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    if (left.count() <= 0) return false;
    if (PQsocket(conn) < 0) return true;  // no socket: PQgetResult reports why
    pollfd socket{PQsocket(conn), POLLIN, 0};
    const int polled =
        poll(&socket, 1, static_cast<int>(std::min<long long>(left.count(), INT_MAX)));
    if (polled < 0 && errno == EINTR) continue;
    // A broken socket or connection: PQgetResult reports it.
    if (polled < 0 || (polled > 0 && PQconsumeInput(conn) == 0)) return true;
  }
  return true;
}

bool PgConnection::drain_results() {
  for (;;) {
    if (!await_result()) return false;
    PGresult* extra = PQgetResult(conn_.get());
    if (extra == nullptr) return true;
    PQclear(extra);
  }
}

Result<void> PgConnection::pipeline(std::vector<PgStatement>& statements, std::string_view what) {
  PGconn* conn = conn_.get();
  const auto silent = [this, what] {
    return make_error(ErrorCode::kIo, name_ + ": " + std::string(what) +
                                          ": no answer from the server in " +
                                          std::to_string(response_timeout_.count()) + " ms");
  };
  if (PQenterPipelineMode(conn) != 1) return error(what, nullptr);
  std::optional<Error> failure;
  for (std::size_t begin = 0; begin < statements.size() && !failure; begin += kPipelineChunk) {
    const std::size_t end = std::min(begin + kPipelineChunk, statements.size());
    std::vector<bool> prepared_now(end - begin);
    for (std::size_t i = begin; i < end; ++i) {
      bool prepared = false;
      // A failed send means the connection is gone: nothing more can be read from it.
      if (!send(statements[i], prepared)) return error(what, nullptr);
      prepared_now[i - begin] = prepared;
    }
    if (PQpipelineSync(conn) != 1) return error(what, nullptr);
    for (std::size_t i = begin; i < end; ++i) {
      if (prepared_now[i - begin]) {
        if (!await_result()) return silent();
        PGresult* prepare = PQgetResult(conn);
        if (prepare == nullptr) return failure ? std::move(*failure) : error(what, nullptr);
        const PgResult prepare_result(prepare);
        const ExecStatusType prepare_status = PQresultStatus(prepare);
        if (prepare_status != PGRES_COMMAND_OK) {
          // Not prepared after all: forget the name so that no later statement relies on it.
          prepared_.erase(statements[i].sql);
          if (prepare_status != PGRES_PIPELINE_ABORTED && !failure) {
            failure = error(what, prepare);
          }
          if (PQstatus(conn) != CONNECTION_OK) return std::move(*failure);
        }
        if (!drain_results()) return silent();
      }
      if (!await_result()) return silent();
      PGresult* raw = PQgetResult(conn);
      if (raw == nullptr) return failure ? std::move(*failure) : error(what, nullptr);
      const PgResult result(raw);
      const ExecStatusType status = PQresultStatus(raw);
      if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        if (!failure && statements[i].on_rows) {
          if (auto handled = statements[i].on_rows(result); !handled) {
            failure = std::move(handled).error();
          }
        }
      } else if (status != PGRES_PIPELINE_ABORTED) {
        if (!failure) failure = error(what, raw);
        if (PQstatus(conn) != CONNECTION_OK) return std::move(*failure);
      }
      // Each statement's results end with a null result.
      if (!drain_results()) return silent();
    }
    if (!await_result()) return silent();
    const PgResult sync(PQgetResult(conn));
    if (PQresultStatus(sync.raw()) != PGRES_PIPELINE_SYNC) {
      return failure ? std::move(*failure) : error(what, sync.raw());
    }
  }
  if (PQexitPipelineMode(conn) != 1 && !failure) failure = error(what, nullptr);
  if (failure) return std::move(*failure);
  return {};
}

bool PgConnection::send(const PgStatement& statement, bool& prepared_now) {
  const PgParams& params = statement.params;
  auto found = prepared_.find(statement.sql);
  prepared_now = found == prepared_.end();
  if (prepared_now) {
    // Parsed and planned once per session instead of once per statement.
    std::string name = "tandem_" + std::to_string(next_prepared_++);
    if (PQsendPrepare(conn_.get(), name.c_str(), statement.sql,
                      static_cast<int>(params.types_.size()), params.types_.data()) != 1) {
      return false;
    }
    found = prepared_.emplace(statement.sql, std::move(name)).first;
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  const std::vector<int> formats(params.values_.size(), kBinary);
  values.reserve(params.values_.size());
  lengths.reserve(params.values_.size());
  for (const std::string& value : params.values_) {
    values.push_back(value.data());
    lengths.push_back(static_cast<int>(value.size()));
  }
  return PQsendQueryPrepared(conn_.get(), found->second.c_str(), static_cast<int>(values.size()),
                             values.data(), lengths.data(), formats.data(), kBinary) == 1;
}

}  // namespace tandem::store
