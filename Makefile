# postdesk: `make run` starts the help desk, `make test` runs every test.
BUILD ?= build
JOBS ?= $(shell nproc)
PYTHON := /usr/bin/python3

.PHONY: deps web build run test unit blackbox browser bench clean format

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

test: unit blackbox browser

bench: build
	bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'bench/*.cc')

clean:
	rm -rf $(BUILD) web/dist
