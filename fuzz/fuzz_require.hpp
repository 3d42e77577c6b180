#pragma once

#include <cstdio>
#include <cstdlib>

// Checks a fuzz target's invariant: names it on stderr, then crashes so libFuzzer keeps the input.
#define require(condition)                                                        \
  do {                                                                            \
    if (!(condition)) {                                                           \
      std::fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                               \
    }                                                                             \
  } while (false)
