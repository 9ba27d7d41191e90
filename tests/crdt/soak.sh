#!/usr/bin/env bash
# Long differential run of the C++ CRDT engine against yjs with a fresh random seed.
#
# Runs tests/crdt/differential.mjs with many sessions (default 20000) and a random base seed that
# is printed first, so a failing soak is rerun exactly with `--seed SEED` (or one session with the
# `--session SEED` the failure report names). Extra arguments are passed through, e.g.
#   tests/crdt/soak.sh --sessions 100000 --strict-bytes
#   SEED=1234 tests/crdt/soak.sh           # repeat a soak
# The oracle is $WEFT_CRDT_ORACLE or build/bin/crdt-oracle (or pass --oracle PATH).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seed="${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
sessions="${SESSIONS:-20000}"

echo "soak: seed $seed, $sessions sessions (rerun: SEED=$seed $0 $*)"
cd "$root"
exec node "$here/differential.mjs" --sessions "$sessions" --seed "$seed" "$@"
