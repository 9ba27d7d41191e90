#!/usr/bin/env bash
# Runs a command next to a throwaway Redis server:
#   tests/redis/with-redis.sh CMD [ARGS…]
# Starts redis-server on 127.0.0.1 at a free port (no persistence, its files in a fresh temp
# directory), waits until it answers PING, then runs CMD with
#   WEFT_TEST_REDIS_URL=redis://127.0.0.1:PORT   WEFT_TEST_REDIS_PORT=PORT
#   WEFT_TEST_REDIS_DIR=<the temp directory>     (tests that restart Redis use the same port)
# The server is stopped by its PID and the directory removed however CMD ends; the exit status is
# CMD's.
set -euo pipefail
if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS…]" >&2
  exit 2
fi
command -v redis-server >/dev/null || { echo "with-redis: no redis-server (scripts/bootstrap installs it)" >&2; exit 1; }

dir=$(mktemp -d -t weft-redis-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
  --daemonize no --logfile "$dir/redis.log" &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "with-redis: redis-server exited:" >&2; cat "$dir/redis.log" >&2; exit 1; fi
  sleep 0.1
done

export WEFT_TEST_REDIS_URL="redis://127.0.0.1:$port" WEFT_TEST_REDIS_PORT="$port" WEFT_TEST_REDIS_DIR="$dir"
set +e
"$@"
status=$?
set -e
exit $status
