# postdesk: `make run` starts the help desk, `make test` runs every test.
BUILD ?= build
JOBS ?= $(shell nproc)
PYTHON := /usr/bin/python3

.PHONY: deps web build run test unit blackbox browser sanitize fuzz bench clean format

deps:
	@scripts/install-deps

# The agent workspace (web/): npm packages from the committed lock file, then
# the bundle in web/dist, which the C++ build embeds in the binary.
WEB_SOURCES := $(shell find web/src web/index.html web/package.json \
                 web/vite.config.ts web/tsconfig.json -type f 2>/dev/null)

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run build

web: deps web/dist/index.html

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps web $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/postdesk serve --data var

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd web && npm test

blackbox: build
	POSTDESK_BIN=$(abspath $(BUILD)/postdesk) $(PYTHON) -m pytest -q tests

# The workspace in Debian's headless Chromium, driven by Playwright, against a
# real postdesk serve and SMTP sink.
browser: build
	cd web && POSTDESK_BIN=$(abspath $(BUILD)/postdesk) npm run e2e

test: unit blackbox browser sanitize

# The sanitizer build (clang, ASan with leak checks + UBSan, with the
# libFuzzer targets): every unit test, every black-box test (a sanitizer
# report in a server's log fails its test), and each fuzz target for
# SANITIZE_FUZZ_SECONDS from its seeds.
SANITIZE_BUILD ?= build-sanitize
SANITIZE_FUZZ_SECONDS ?= 20
sanitize fuzz: export ASAN_OPTIONS = detect_leaks=1:abort_on_error=1
sanitize fuzz: export LSAN_OPTIONS = suppressions=$(abspath fuzz/lsan.supp):print_suppressions=0
sanitize fuzz: export UBSAN_OPTIONS = print_stacktrace=1:halt_on_error=1

$(SANITIZE_BUILD)/build.ninja: CMakeLists.txt
	CC=clang CXX=clang++ cmake -S . -B $(SANITIZE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPOSTDESK_SANITIZE=address,undefined -DPOSTDESK_FUZZ=ON -DPOSTDESK_BENCH=OFF

sanitize: deps web $(SANITIZE_BUILD)/build.ninja
	cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	cd $(SANITIZE_BUILD) && ctest --output-on-failure -j $(JOBS)
	POSTDESK_BIN=$(abspath $(SANITIZE_BUILD)/postdesk) $(PYTHON) -m pytest -q tests
	fuzz/run.sh $(SANITIZE_BUILD) $(SANITIZE_FUZZ_SECONDS)

# Longer fuzzing: each target FUZZ_SECONDS (default 10 minutes).
FUZZ_SECONDS ?= 600
fuzz: deps web $(SANITIZE_BUILD)/build.ninja
	cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	fuzz/run.sh $(SANITIZE_BUILD) $(FUZZ_SECONDS)

bench: build
	bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'bench/*.cc')

clean:
	rm -rf $(BUILD) web/dist
