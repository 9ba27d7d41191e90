# The commands of README.md. Everything installs what it needs first (scripts/bootstrap).
.PHONY: all bootstrap build build-san run test test-cpp test-node bench bench-crdt soak format clean

BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build build -j $(JOBS)

build-san: bootstrap
	cmake -S . -B build-san -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEFT_SANITIZE=ON
	cmake --build build-san -j $(JOBS)

run: build
	scripts/run

test: build-san
	scripts/test build-san

bench-crdt: build
	scripts/bench-crdt

bench: bench-crdt

soak: build
	WEFT_CRDT_ORACLE=build/bin/crdt-oracle tests/crdt/soak.sh

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build build-san build-fuzz
