# Every third-party library comes from a Debian package (scripts/install-deps).

find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json url)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
# libpq (Debian libpq-dev) for the PostgreSQL store; pipeline mode needs libpq 14.
find_package(PkgConfig REQUIRED)
pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq>=14)
# hiredis (Debian libhiredis-dev) for the Redis bus; Debian 12 ships 0.14.1, whose async API it uses.
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis>=0.14)
find_package(ZLIB REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
include(GoogleTest)

# jemalloc for the server and the benchmarks that measure it: documents, connections and the
# store's writer allocate on one thread and free on another all the time, which glibc's malloc
# handles poorly (about a fifth of the CPU per confirmed op, BENCHMARKS.md). Sanitizer builds
# keep the system allocator, which ASan replaces.
add_library(tandem_allocator INTERFACE)
if(NOT TANDEM_SANITIZE)
  find_library(JEMALLOC_LIBRARY jemalloc REQUIRED)
  target_link_libraries(tandem_allocator INTERFACE ${JEMALLOC_LIBRARY})
  target_compile_definitions(tandem_allocator INTERFACE TANDEM_JEMALLOC=1)
endif()
