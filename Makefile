# Entry points for people and CI. `make run` and `make test` work on a fresh Debian 12 machine.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
NODE_TESTS := $(shell find tests -name '*.test.mjs' -not -path '*/node_modules/*' | sort)
FUZZ_SECONDS ?= 30
CPP_SOURCES = $(shell git ls-files '*.cpp' '*.hpp')

.PHONY: all deps build run test asan-test proxy-results bench bench-cluster microbench compare targets fuzz format format-check lint clean

all: build

deps:
	@scripts/install-deps

build: deps
	@[ -f build/release/build.ninja ] || cmake --preset release
	cmake --build --preset release
	@ln -sfn release/tandem build/tandem

run: build
	build/tandem serve --listen 127.0.0.1:8080 --data ./tandem-data

test: build
	ctest --preset release
	TANDEM_BIN=$(CURDIR)/build/release/tandem node --test $(NODE_TESTS)

asan-test: deps
	@[ -f build/asan/build.ninja ] || cmake --preset asan
	cmake --build --preset asan
	ctest --preset asan
	TANDEM_BIN=$(CURDIR)/build/asan/tandem TANDEM_SANITIZED=1 node --test $(NODE_TESTS)

# The proxy matrix's table from the latest run (make test writes it under build/), committed on
# purpose.
proxy-results:
	@[ -f build/proxy-matrix/RESULTS.md ] || { echo "no build/proxy-matrix/RESULTS.md: run make test first"; exit 1; }
	cp build/proxy-matrix/RESULTS.md tests/e2e/proxies/RESULTS.md

# The figures of BENCHMARKS.md: the micro benchmarks, Tandem and its peers side by side, then
# Tandem against issue 8's targets.
bench: microbench compare targets

compare: build
	TANDEM_BIN=$(CURDIR)/build/release/tandem node bench/compare/run.mjs

targets: build
	TANDEM_BIN=$(CURDIR)/build/release/tandem node bench/targets/run.mjs

# Issue 17: 3 nodes on a throwaway PostgreSQL and Redis, and one SQLite node for comparison, in
# one run (bench/cluster/run.mjs, about 8 minutes). Not part of `make bench` or `make test`.
bench-cluster: build
	TANDEM_BIN=$(CURDIR)/build/release/tandem node bench/cluster/run.mjs

microbench: build
	@for b in $$(find build/release/bench -type f -name '*_bench' -perm -u+x | sort); do \
	  echo "== $$b"; $$b --benchmark_repetitions=5 --benchmark_report_aggregates_only=true || exit 1; \
	done

fuzz: deps
	@[ -f build/fuzz/build.ninja ] || cmake --preset fuzz
	cmake --build --preset fuzz --target fuzzers
	@for f in $$(find build/fuzz/fuzz -type f -name '*_fuzz' -perm -u+x | sort); do \
	  name=$$(basename $$f); seeds=$$(find fuzz -type d -path "*/corpus/$$name" | head -n 1); \
	  work=build/fuzz/corpus/$$name; mkdir -p $$work; \
	  echo "== $$name for $(FUZZ_SECONDS)s (seeds: $${seeds:-none})"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=build/fuzz/ $$work $$seeds 2>&1 | tail -n 12 || exit 1; \
	done

format:
	clang-format -i $(CPP_SOURCES)

format-check:
	clang-format --dry-run -Werror $(CPP_SOURCES)

lint: build format-check
	run-clang-tidy -quiet -p build/release -j $$(nproc) '^$(CURDIR)/(src|tests|bench)/' > build/clang-tidy.log 2>&1 \
	  || { grep -E 'warning:|error:' build/clang-tidy.log | head -n 50; exit 1; }

clean:
	rm -rf build
