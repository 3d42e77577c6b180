// PostgreSQL URLs as written by people: arbitrary bytes never crash redact_url, redacting twice
// changes nothing more, and a password in the user part of a well-formed URL never survives.

#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_require.hpp"
#include "store/pg_connection.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using tandem::store::redact_url;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const std::string once = redact_url(text);
  require(redact_url(once) == once);

  // The input as a password: everything but the characters that end the user part.
  std::string password;
  for (const char c : text) {
    if (c != '@' && c != '/' && c != '?' && c != '#') password += c;
  }
  if (!password.empty() && password.find("password=") == std::string::npos) {
    const std::string url = "postgres://tandem:" + password + "@db.internal:5432/tandem?x=1";
    require(redact_url(url) == "postgres://tandem@db.internal:5432/tandem?x=1");
  }
  return 0;
}
