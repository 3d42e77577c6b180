# Helpers that make adding a part of the project one line in its folder's CMakeLists.txt.

get_filename_component(TANDEM_SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

# tandem_add_library(NAME SOURCES a.cpp b.cpp DEPS other_lib ...)
# A static library whose headers are included as "layer/file.hpp" from src/.
function(tandem_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC "${TANDEM_SOURCE_DIR}/src")
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE tandem_options)
endfunction()

# tandem_add_test(NAME SOURCES a_test.cpp DEPS lib ...)
# A GoogleTest executable registered with ctest, one ctest entry per test case, named
# "<executable>.<Suite>.<Test>" so `ctest -R ot_test` selects a whole layer.
function(tandem_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main tandem_options)
  gtest_discover_tests(${name} TEST_PREFIX "${name}." DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()

# tandem_add_benchmark(NAME SOURCES a_bench.cpp DEPS lib ...)
function(tandem_add_benchmark name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark benchmark::benchmark_main tandem_options)
endfunction()

# tandem_add_fuzzer(NAME SOURCES a_fuzz.cpp DEPS lib ...)
# A libFuzzer target; only built in the fuzz preset (clang).
function(tandem_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_include_directories(${name} PRIVATE "${TANDEM_SOURCE_DIR}/fuzz")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} tandem_options)
  add_dependencies(fuzzers ${name})
endfunction()
