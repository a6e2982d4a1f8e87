# Starlog: the two commands of the quick start, plus a few helpers.
#   make run   installs missing packages, builds Release, serves the demo on :8080
#   make test  installs missing packages, builds, runs every test through ctest
#              (and a few seconds of each fuzz target first)
#   make test-asan  the same suite built with ASan + UBSan (Debug)
#   make fuzz  builds the libFuzzer targets with clang and runs each longer
BUILD ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
PORT ?= 8080
DB ?= data/starlog.db
SANITIZE ?= OFF
FUZZ_BUILD ?= build-fuzz
FUZZ_SMOKE ?= 1
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_SECONDS ?= 300
CORS_ORIGIN ?=

PACKAGES := g++ cmake make pkg-config libboost1.81-dev libsqlite3-dev sqlite3 \
            libhowardhinnant-date-dev tzdata nlohmann-json3-dev doctest-dev \
            libssl-dev zlib1g-dev curl clang libclang-rt-14-dev python3 util-linux \
            wrk nginx-light gnuplot-nox clang-format libpq-dev postgresql

.PHONY: run test test-asan build deps clean fuzz fuzz-build fuzz-smoke openapi-node openapi-deps web-deps \
        browser-deps bench format format-check

deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

# The OpenAPI validators (tests/openapi) run on Node.js: Debian's nodejs and
# npm when no node is installed, then the locked packages (npm ci, redone
# only when package-lock.json changes).
openapi-node:
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	  echo "Installing: nodejs npm"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q nodejs npm; \
	fi

openapi-deps: openapi-node
	@cd tests/openapi && if ! cmp -s package-lock.json node_modules/.installed-lock 2>/dev/null; then \
	  npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.installed-lock; \
	fi

# The web app's packages (web/: TimelineJS, and playwright-core for its
# browser tests), installed the same way; the build copies them into
# build/web, so nothing is fetched at run time.
web-deps: openapi-node
	@cd web && if ! cmp -s package-lock.json node_modules/.installed-lock 2>/dev/null; then \
	  npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.installed-lock; \
	fi

# Debian's chromium, which the browser tests drive (never a downloaded browser).
browser-deps:
	@dpkg-query -W -f='$${Status}' chromium 2>/dev/null | grep -q "ok installed" || { \
	  echo "Installing: chromium"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium; }

configure = cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSTARLOG_SANITIZE=$(SANITIZE) >/dev/null

build: deps web-deps
	$(configure)
	cmake --build $(BUILD) -j $(JOBS)

# `run` and `bench` build only the programs they start (no test binaries):
# on 2 cores that halves the first build.
run: deps web-deps
	$(configure)
	cmake --build $(BUILD) -j $(JOBS) --target starlog
	mkdir -p $(dir $(DB))
	./$(BUILD)/starlog serve --db $(DB) --listen 127.0.0.1:$(PORT) --demo data/demo \
	  $(foreach o,$(CORS_ORIGIN),--cors-origin $(o))

test: build openapi-deps browser-deps
ifeq ($(FUZZ_SMOKE),1)
	$(MAKE) --no-print-directory fuzz-smoke
endif
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan:
	$(MAKE) --no-print-directory test BUILD=build-asan SANITIZE=ON BUILD_TYPE=Debug FUZZ_SMOKE=0

fuzz-build: deps
	CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DSTARLOG_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

fuzz-smoke: fuzz-build
	fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS)

fuzz: fuzz-build
	fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Benchmarks against same-run baselines (bench/run.sh; sizes and knobs in
# its header). Not part of `make test`, which runs a small smoke of it.
bench: deps web-deps
	$(configure)
	cmake --build $(BUILD) -j $(JOBS) --target starlog bench_generate bench_sqlite_baseline bench_append_load
	bash bench/run.sh

# The checked-in .clang-format, over every C++ file git tracks or would
# (new files not yet added included, ignored ones not): `format` rewrites
# them, `format-check` (run by CI) fails naming what differs.
CXX_SOURCES = $(shell git ls-files --cached --others --exclude-standard '*.cpp' '*.h' 2>/dev/null)
format: deps
	clang-format -i $(CXX_SOURCES)
format-check: deps
	@clang-format --dry-run -Werror $(CXX_SOURCES)
	@echo "format-check: $(words $(CXX_SOURCES)) files formatted as .clang-format says"

clean:
	rm -rf $(BUILD)
