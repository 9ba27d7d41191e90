# The commands of README.md. Everything installs what it needs first (scripts/bootstrap).
# test-rolling: the rolling-restart cluster test alone (three instances restarted in turn behind nginx
# while 30 clients type; make test runs it with the other cluster tests).
.PHONY: all bootstrap build build-san run test test-rolling test-cpp test-node bench bench-crdt bench-history bench-projects bench-lists soak soak-server soak-lone-tab check-container fuzz format clean

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

# The web app: web/ → web/dist (tsc + Vite; skipped when up to date).
.PHONY: web
web: bootstrap
	scripts/build-web

run: build web
	scripts/run

test: build-san web
	scripts/test build-san

test-rolling: build-san web
	tests/postgres/with-postgres.sh env WEFT_BIN=build-san/bin/weft \
	  node --test --test-concurrency=1 --test-name-pattern='rolling restart' tests/cluster/cluster.test.mjs

bench-crdt: build
	scripts/bench-crdt

# Document history on automerge-paper: captures, reads, restore, blame, storage (scripts/bench-history;
# writes the History section of docs/BENCHMARKS.md).
bench-history: build
	scripts/bench-history

# Projects (wave 2 · 3): import of a real 2,000-file source tree, memory with no file open, search,
# a 10,000-file tree, opening a file in Chromium (bench/projects; figures in docs/BENCHMARKS.md).
bench-projects: build web
	node bench/projects/projects_bench.mjs

# Lists (wave 2 · 5): GET /api/documents pages over 100,000 documents of 10,000 users, and startup
# with them, on SQLite and then PostgreSQL (bench/lists; figures in docs/BENCHMARKS.md "Lists").
bench-lists: build
	node bench/lists/lists_bench.mjs
	tests/postgres/with-postgres.sh sh -c 'node bench/lists/lists_bench.mjs --postgres "$$WEFT_TEST_POSTGRES_URL"'

# The server benchmark: Weft against the reference y-websocket server and Hocuspocus
# (scripts/bench; writes the server section of docs/BENCHMARKS.md). The CRDT one is bench-crdt.
bench: build
	scripts/bench

soak: build
	WEFT_CRDT_ORACLE=build/bin/crdt-oracle tests/crdt/soak.sh

# 1,000 clients (50 documents × 20) editing and moving cursors for SOAK_SECONDS against a Release
# server on SQLite, then the same for SOAK_CLUSTER_SECONDS against two instances over Redis and
# PostgreSQL with a Redis restart and a kill -9 (scripts/soak-server, bench/soak/; results in
# bench/results/soak-*.json and .csv, plots in docs/bench/, figures in docs/BENCHMARKS.md).
# SOAK_PHASES: both, single or cluster. make test runs a 100-client smoke of both.
SOAK_SECONDS ?= 3600
SOAK_CLUSTER_SECONDS ?= $(SOAK_SECONDS)
SOAK_PHASES ?= both
soak-server: build
	scripts/soak-server --phase $(SOAK_PHASES) --seconds $(SOAK_SECONDS) \
	  --cluster-seconds $(SOAK_CLUSTER_SECONDS) --plot docs/bench

# One person's idle tab in Chromium for WEFT_SOAK_MINUTES (default 10) of real time: it must stay
# on one WebSocket (the fast, virtual-clock version runs in make test).
soak-lone-tab: build web
	WEFT_BIN=build/bin/weft node --test tests/soak/lone_tab.test.mjs

# The Dockerfile's recipe in full on this machine, which has no container engine: the build stage
# (bootstrap, Release build, web app) on a copy of the build context in a temporary directory, then
# the runtime steps and the server as the image's user (scripts/check-dockerfile; long: a full
# build). make test runs the same steps with the existing build.
check-container: bootstrap
	scripts/check-dockerfile --full

# Each libFuzzer target for FUZZ_SECONDS (default 600) on the corpora in the repo (scripts/fuzz).
FUZZ_SECONDS ?= 600
fuzz: bootstrap
	scripts/fuzz $(FUZZ_SECONDS)

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build build-san build-fuzz
