#!/usr/bin/env bash
# Runs a command next to a throwaway Redis Cluster: three masters and three replicas.
#   tests/redis/with-redis-cluster.sh CMD [ARGS…]
# Starts six redis-server processes on 127.0.0.1 at free ports (cluster mode, no persistence but
# their nodes.conf, a 1 s node timeout so a failover takes seconds, not the default 15 s), joins
# them with `redis-cli --cluster create --cluster-replicas 1`, waits until every node reports
# cluster_state:ok, then runs CMD with
#   WEFT_TEST_REDIS_CLUSTER_URL=redis://127.0.0.1:P1,127.0.0.1:P2,…   (every node)
#   WEFT_TEST_REDIS_CLUSTER_DIR=<temp directory>: one directory a node, named by its port, with
#     its redis.conf (restart a killed node with `redis-server DIR/PORT/redis.conf`) and redis.pid
# Every node is stopped by its PID and the directory removed however CMD ends; the exit status is
# CMD's.
set -euo pipefail
if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS…]" >&2
  exit 2
fi
command -v redis-server >/dev/null || { echo "with-redis-cluster: no redis-server (scripts/bootstrap installs it)" >&2; exit 1; }

dir=$(mktemp -d -t weft-redis-cluster-XXXXXX)
# Six ports whose cluster-bus ports (port + 10000) are free too, all below the kernel's ephemeral
# range (32768 and up) so that no outgoing connection takes one meanwhile.
ports=$(python3 -c '
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
for _ in range(200):
    base = random.randrange(20000, 22700)
    ports = [base + i for i in range(6)]
    if all(free(p) and free(p + 10000) for p in ports):
        print(" ".join(map(str, ports))); break
else:
    raise SystemExit("with-redis-cluster: no free ports")')

cleanup() {
  for p in $ports; do
    if [ -f "$dir/$p/redis.pid" ]; then kill -9 "$(cat "$dir/$p/redis.pid")" 2>/dev/null || true; fi
  done
  rm -rf "$dir"
}
trap cleanup EXIT

for p in $ports; do
  mkdir -p "$dir/$p"
  cat >"$dir/$p/redis.conf" <<CONF
bind 127.0.0.1
port $p
dir $dir/$p
pidfile $dir/$p/redis.pid
logfile $dir/$p/redis.log
daemonize yes
save ""
appendonly no
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout 1000
cluster-replica-validity-factor 0
CONF
  redis-server "$dir/$p/redis.conf"
done
for p in $ports; do
  up=""
  for _ in $(seq 1 100); do
    if redis-cli -h 127.0.0.1 -p "$p" ping 2>/dev/null | grep -q PONG; then up=1; break; fi
    sleep 0.1
  done
  [ -n "$up" ] || { echo "with-redis-cluster: node $p did not start:" >&2; cat "$dir/$p/redis.log" >&2; exit 1; }
done
nodes=""
for p in $ports; do nodes="$nodes 127.0.0.1:$p"; done
# shellcheck disable=SC2086
redis-cli --cluster create $nodes --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 ||
  { echo "with-redis-cluster: redis-cli --cluster create failed:" >&2; cat "$dir/create.log" >&2; exit 1; }
for p in $ports; do
  ok=""
  for _ in $(seq 1 200); do
    if redis-cli -h 127.0.0.1 -p "$p" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; then ok=1; break; fi
    sleep 0.1
  done
  [ -n "$ok" ] || { echo "with-redis-cluster: node $p never reported cluster_state:ok" >&2; exit 1; }
done

url=""
for p in $ports; do url="${url:+$url,}127.0.0.1:$p"; done
export WEFT_TEST_REDIS_CLUSTER_URL="redis://$url" WEFT_TEST_REDIS_CLUSTER_DIR="$dir"
set +e
"$@"
status=$?
set -e
exit $status
