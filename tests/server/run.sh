#!/usr/bin/env bash
# Runs the server integration tests: real yjs / y-websocket clients against `weft serve`.
#   tests/server/run.sh [BINARY] [extra node --test args, e.g. --test-name-pattern=kill]
# BINARY defaults to $WEFT_BIN, then build/bin/weft. Files run one at a time, so that the latency
# and slow-consumer measurements do not compete with other tests for the 2 cores.
#   WEFT_TEST_TIMEOUT_MS       bound on each test (default 120000; set in the test files)
#   WEFT_TEST_FILE_TIMEOUT_MS  bound on each file (default 600000; node --test-timeout, which
#                              Node 20 applies per file)
#   WEFT_TEST_SEED             replay a randomized run (the seed is printed)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -gt 0 ] && [ -f "$1" ] && [ -x "$1" ]; then WEFT_BIN=$1; shift; fi
export WEFT_BIN=${WEFT_BIN:-build/bin/weft}
# (The help is read whole first: `grep -q` leaving a pipe early would make weft's write fail with
# SIGPIPE, and pipefail would count that as a missing option.)
help=$("$WEFT_BIN" serve --help 2>/dev/null || true)
if ! grep -q -- --room-grace-ms <<<"$help"; then
  echo "tests/server: $WEFT_BIN serve --help does not list --room-grace-ms; is the server built?" >&2
  exit 1
fi
command -v sqlite3 >/dev/null || { echo "tests/server: needs the sqlite3 CLI (scripts/bootstrap installs it)" >&2; exit 1; }
exec node --test --test-concurrency=1 --test-timeout="${WEFT_TEST_FILE_TIMEOUT_MS:-600000}" "$@" tests/server/
