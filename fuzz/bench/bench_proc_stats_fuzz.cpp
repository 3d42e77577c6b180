// The /proc parsers and the loopback URL check never crash on any text, and a URL they accept
// is a loopback address with a port.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bench/loopback_target.hpp"
#include "bench/process_stats.hpp"
#include "fuzz_require.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)tandem::bench::parse_stat_cpu_ticks(text);
  if (auto kib = tandem::bench::parse_status_kib(text, "VmRSS")) require(*kib % 1024 == 0);
  auto target = tandem::bench::parse_loopback_url(text);
  if (target) {
    require(target->port != 0);
    require(target->address.is_v4() ? (target->address.to_v4().to_uint() >> 24) == 127
                                    : target->address.is_loopback());
  }
  return 0;
}
