# postdesk: `make run` starts the help desk, `make test` runs every test.
BUILD ?= build
JOBS ?= $(shell nproc)
PYTHON := /usr/bin/python3

.PHONY: deps build run test unit blackbox bench clean format

deps:
	@scripts/install-deps

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/postdesk serve --data var

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

blackbox: build
	POSTDESK_BIN=$(abspath $(BUILD)/postdesk) $(PYTHON) -m pytest -q tests

test: unit blackbox

bench: build
	bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'bench/*.cc')

clean:
	rm -rf $(BUILD)
