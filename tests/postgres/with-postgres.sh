#!/usr/bin/env bash
# Runs a command next to a throwaway PostgreSQL server:
#   tests/postgres/with-postgres.sh CMD [ARGS…]
# initdb into a fresh temp directory, start the server on 127.0.0.1 at a free port (its Unix socket
# in the temp directory, so it never meets a system cluster), wait until it accepts connections,
# create the database weft_test, then run CMD with
#   WEFT_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:PORT/weft_test
# (trust authentication; the store tests create one database per test through it), and
#   WEFT_TEST_POSTGRES_RESTART=<script>  stops the server (fast shutdown: clients disconnected) and
#                                        starts it again on the same port and data (cluster tests)
# With --replica first, a streaming replica of it too (pg_basebackup -R, hot standby, another
# loopback port), and
#   WEFT_TEST_POSTGRES_REPLICA_URL=postgresql://postgres@127.0.0.1:PORT2/weft_test
#   WEFT_TEST_POSTGRES_REPLICA_STOP=<script>   stops the replica (fast shutdown)
#   WEFT_TEST_POSTGRES_REPLICA_START=<script>  starts it again on the same port and data and waits
#                                              until it accepts connections
# (a database created on the primary appears on the replica once it is replayed).
# The servers are stopped by their PIDs and the directory removed however CMD ends; the exit status
# is CMD's.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user (the
# Debian package creates it; created here if missing). PG_BIN overrides the binaries' directory.
set -euo pipefail
replica=0
if [ "${1:-}" = "--replica" ]; then
  replica=1
  shift
fi
if [ $# -eq 0 ]; then
  echo "usage: $0 [--replica] CMD [ARGS…]" >&2
  exit 2
fi

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "with-postgres: no PostgreSQL server binaries (scripts/bootstrap installs them)" >&2
  exit 1
fi
STARTUP_SECONDS=${WEFT_PG_STARTUP_SECONDS:-30}

# As root, run the server's programs as `postgres`; setpriv execs (no intermediate process), so $!
# below is the server's own PID.
as_server_user=()
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  fi
  as_server_user=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/weft-pg-XXXXXX")
pid=""
# Fast shutdown (disconnect clients, roll back, stop) of the server whose PID is $1, SIGKILL after
# 30 s.
stop_pid() {
  local p=$1
  if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
    kill -INT "$p" 2>/dev/null || true
    for _ in $(seq 1 300); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  fi
}
cleanup() {
  if [ -f "$dir/replica.pid" ]; then stop_pid "$(cat "$dir/replica.pid")"; fi
  if [ -f "$dir/pid" ]; then pid=$(cat "$dir/pid"); fi  # restarted by the restart script
  stop_pid "$pid"
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ ${#as_server_user[@]} -gt 0 ]; then chown postgres: "$dir"; fi
chmod 700 "$dir"
"${as_server_user[@]}" "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
  --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || {
  cat "$dir/initdb.log" >&2
  exit 1
}

# A free port: the kernel picks one for a listener that closes at once. Another process could take
# it before the server does; the server then fails to start and we try again with a new one.
free_port() {
  node -e 'const s = require("net").createServer();
           s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

for attempt in 1 2 3; do
  port=$(free_port)
  # Durability settings off: the server lives for one test run (the tests kill clients, not it).
  "${as_server_user[@]}" "$PG_BIN/postgres" -D "$dir/data" -p "$port" \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories="$dir" \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
    >>"$dir/postgres.log" 2>&1 &
  pid=$!
  deadline=$((SECONDS + STARTUP_SECONDS))
  until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then break; fi
    sleep 0.1
  done
  if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1; then break; fi
  echo "with-postgres: the server did not start on port $port (attempt $attempt)" >&2
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
done
if [ -z "$pid" ]; then
  cat "$dir/postgres.log" >&2
  exit 1
fi

"$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres weft_test
export WEFT_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/weft_test"

echo "$pid" >"$dir/pid"
cat >"$dir/restart.sh" <<RESTART
#!/usr/bin/env bash
set -euo pipefail
old=\$(cat "$dir/pid")
kill -INT "\$old"
while kill -0 "\$old" 2>/dev/null; do sleep 0.05; done
${as_server_user[*]} "$PG_BIN/postgres" -D "$dir/data" -p "$port" \\
  -c listen_addresses=127.0.0.1 -c unix_socket_directories="$dir" \\
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off >>"$dir/postgres.log" 2>&1 &
echo \$! >"$dir/pid"
until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1; do sleep 0.05; done
RESTART
chmod +x "$dir/restart.sh"
export WEFT_TEST_POSTGRES_RESTART="$dir/restart.sh"
echo "with-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') at $WEFT_TEST_POSTGRES_URL"

if [ "$replica" -eq 1 ]; then
  # --checkpoint=fast: the default spread checkpoint would make the copy wait for minutes.
  # initdb's pg_hba.conf trusts replication connections from 127.0.0.1; wal_level is replica by
  # default. -R writes standby.signal and primary_conninfo, so the copy starts as a hot standby.
  "${as_server_user[@]}" "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$port" -U postgres \
    -D "$dir/replica" -R -X stream --checkpoint=fast --no-sync >"$dir/basebackup.log" 2>&1 || {
    cat "$dir/basebackup.log" >&2
    exit 1
  }
  replica_port=$(free_port)
  cat >"$dir/replica-start.sh" <<START
#!/usr/bin/env bash
set -euo pipefail
${as_server_user[*]} "$PG_BIN/postgres" -D "$dir/replica" -p "$replica_port" \\
  -c listen_addresses=127.0.0.1 -c unix_socket_directories="$dir" \\
  -c fsync=off -c full_page_writes=off >>"$dir/replica.log" 2>&1 &
echo \$! >"$dir/replica.pid"
deadline=\$((SECONDS + $STARTUP_SECONDS))
until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$replica_port" -t 1; do
  if [ "\$SECONDS" -ge "\$deadline" ]; then echo "the replica did not start" >&2; exit 1; fi
  sleep 0.05
done
START
  cat >"$dir/replica-stop.sh" <<STOP
#!/usr/bin/env bash
set -euo pipefail
old=\$(cat "$dir/replica.pid")
kill -INT "\$old"
while kill -0 "\$old" 2>/dev/null; do sleep 0.05; done
STOP
  chmod +x "$dir/replica-start.sh" "$dir/replica-stop.sh"
  "$dir/replica-start.sh" || {
    cat "$dir/replica.log" >&2
    exit 1
  }
  export WEFT_TEST_POSTGRES_REPLICA_URL="postgresql://postgres@127.0.0.1:$replica_port/weft_test"
  export WEFT_TEST_POSTGRES_REPLICA_STOP="$dir/replica-stop.sh"
  export WEFT_TEST_POSTGRES_REPLICA_START="$dir/replica-start.sh"
  echo "with-postgres: streaming replica at $WEFT_TEST_POSTGRES_REPLICA_URL"
fi

status=0
"$@" || status=$?
exit "$status"
