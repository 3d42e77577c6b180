#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/document_store.hpp"
#include "store/sqlite_connection.hpp"

namespace tandem::store {

// The queries behind load and read_ops, on the reader's read-only connection. WAL
// lets them run while the writer commits; each sees only committed (hence fsynced) data.
class OpLogReader {
 public:
  explicit OpLogReader(Connection connection) : connection_(std::move(connection)) {}

  // Newest snapshot and every op after it, read in one transaction so they match.
  Result<LoadedDocument> load(const std::string& doc);
  Result<std::vector<StoredOp>> read_ops(const std::string& doc, std::uint64_t from,
                                         std::uint64_t to);

 private:
  Result<LoadedDocument> load_in_transaction(const std::string& doc);

  Connection connection_;
};

}  // namespace tandem::store
