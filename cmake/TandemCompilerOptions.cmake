# Warnings, sanitizers and ccache, applied to every target built here.

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()

add_library(tandem_options INTERFACE)
target_compile_options(tandem_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${TANDEM_WERROR}>:-Werror>)

if(TANDEM_SANITIZE)
  set(sanitize_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_compile_options(tandem_options INTERFACE ${sanitize_flags})
  target_link_options(tandem_options INTERFACE ${sanitize_flags})
endif()

if(TANDEM_FUZZ)
  # Coverage instrumentation in every library, so fuzz targets are guided by the code they call.
  target_compile_options(tandem_options INTERFACE -fsanitize=fuzzer-no-link)
endif()
