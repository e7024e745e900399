#!/usr/bin/env bash
# One shared canvas in cluster mode: N instances on one Redis and one
# PostgreSQL, behind nginx built from deploy/nginx.conf, and G load
# generators of C clients each through nginx, every generator placing
# (RATE/G per second over PLACERS/G placers). Prints each generator's report
# and the CPU each process used while placing. BENCHMARKS.md,
# "One canvas, four instances", was measured with it.
#
#   bench/cluster-fanout.sh                       # 4 instances, 4 x 4,000 clients, 333/s
#   INSTANCES=4 GENS=4 CLIENTS=4000 RATE=333 PLACERS=100 TIMED=250 BATCH=250ms DURATION=20s bench/cluster-fanout.sh
#
# TIMED clients per generator time every event; the others check only that
# their chain of seqs has no gap (so every client is checked for misses).
#
# Needs: go, nginx, redis-server on REDIS_URL, PostgreSQL (createdb/dropdb on
# PGHOST as PGUSER), and about (2 x G x C) file descriptors for nginx.
set -euo pipefail
INSTANCES=${INSTANCES:-4} GENS=${GENS:-4} CLIENTS=${CLIENTS:-4000} RATE=${RATE:-333} PLACERS=${PLACERS:-100}
TIMED=${TIMED:-250} BATCH=${BATCH:-250ms} DURATION=${DURATION:-20s} WARMUP=${WARMUP:-10s} BASEPORT=${BASEPORT:-3700}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0} PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-postgres}
export PGHOST PGUSER
cd "$(dirname "$0")/.."
work=$(mktemp -d) id=fanout$RANDOM pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	redis-cli -u "$REDIS_URL" --scan --pattern "$id:*" | xargs -r redis-cli -u "$REDIS_URL" unlink >/dev/null
	dropdb --if-exists "$id" || true
	rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/place" ./cmd/place
createdb "$id"
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
pgticks() { local t=0; for p in $(pgrep -x postgres); do t=$((t + $(ticks "$p" 2>/dev/null || echo 0))); done; echo $t; }

upstreams=""
for i in $(seq 0 $((INSTANCES - 1))); do
	port=$((BASEPORT + i))
	"$work/place" serve --addr 127.0.0.1:$port --redis-url "$REDIS_URL" --redis-prefix "$id:" \
		--database-url "postgres://$PGUSER@$PGHOST/$id" --cooldown 0s --guest-limit 0 --challenge-bits 0 \
		--trusted-proxies 127.0.0.1/32 --batch-interval "$BATCH" --log-level warn >"$work/inst$i.log" 2>&1 &
	pids+=($!) inst[$i]=$!
	upstreams+="$port "
done

# nginx: deploy/nginx.conf with these upstreams, several workers with
# enough descriptors for two sockets per client.
mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
site=$(awk -v ups="$upstreams" -v port=$((BASEPORT + 99)) '
	/^ *server 127\.0\.0\.1:[0-9]+ max_fails/ { if (!done) { n = split(ups, u, " "); for (i = 1; i <= n; i++) { line = $0; sub(/127\.0\.0\.1:[0-9]+/, "127.0.0.1:" u[i], line); print line } done = 1 } next }
	/listen [0-9]+;/ { sub(/listen [0-9]+;/, "listen 127.0.0.1:" port ";") }
	{ print }' deploy/nginx.conf)
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes $INSTANCES;
worker_rlimit_nofile 20000;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 19000; }
http {
    access_log off;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
$site
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g "daemon off;" &
ngmaster=$!
pids+=($ngmaster)
sleep 3
for i in $(seq 0 $((INSTANCES - 1))); do curl -fsS "http://127.0.0.1:$((BASEPORT + i))/readyz" >/dev/null; done

target=http://127.0.0.1:$((BASEPORT + 99))
for g in $(seq 1 "$GENS"); do
	"$work/place" bench --target "$target" --clients "$CLIENTS" --placers $((PLACERS / GENS)) \
		--rate "$(awk -v r="$RATE" -v g="$GENS" 'BEGIN { print r / g }')" --duration "$DURATION" \
		--warmup "$WARMUP" --timed-clients "$TIMED" --dial-concurrency 32 --json >"$work/gen$g.json" 2>"$work/gen$g.err" &
	gen[$g]=$!
done
# Sample CPU over the placing window: wait until every client is connected.
want=$((GENS * CLIENTS))
for _ in $(seq 1 600); do
	n=0
	for i in $(seq 0 $((INSTANCES - 1))); do
		c=$(curl -fsS "http://127.0.0.1:$((BASEPORT + i))/metrics" | awk '/^place_ws_connections /{print $2}')
		n=$((n + ${c%.*}))
	done
	[ "$n" -ge "$want" ] && break
	sleep 1
done
echo "connected: $n of $want; load $(cut -d' ' -f1-3 /proc/loadavg)"
sleep "${WARMUP%s}"
t0=$(date +%s.%N) redis0=$(ticks "$(pgrep -x redis-server | head -1)") pg0=$(pgticks) ng0=0
for p in $ngmaster $(pgrep -P $ngmaster); do ng0=$((ng0 + $(ticks "$p"))); done
for i in $(seq 0 $((INSTANCES - 1))); do
	c0[$i]=$(ticks "${inst[$i]}")
	conns[$i]=$(curl -fsS "http://127.0.0.1:$((BASEPORT + i))/metrics" | awk '/^place_ws_connections /{print $2}')
done
sleep "${DURATION%s}"
t1=$(date +%s.%N) redis1=$(ticks "$(pgrep -x redis-server | head -1)") pg1=$(pgticks) ng1=0
for p in $ngmaster $(pgrep -P $ngmaster); do ng1=$((ng1 + $(ticks "$p"))); done
for i in $(seq 0 $((INSTANCES - 1))); do
	c1[$i]=$(ticks "${inst[$i]}")
	rss[$i]=$(awk '/VmRSS/{print $2}' "/proc/${inst[$i]}/status")
done
echo "load at the end of placing: $(cut -d' ' -f1-3 /proc/loadavg)"
ngrss=0
for p in $ngmaster $(pgrep -P $ngmaster); do ngrss=$((ngrss + $(awk '/VmRSS/{print $2}' "/proc/$p/status"))); done
echo "nginx RSS $((ngrss / 1024)) MB for $want clients"
for g in $(seq 1 "$GENS"); do wait "${gen[$g]}" || echo "generator $g exited non-zero"; done
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
python3 - "$work" "$GENS" "$secs" <<PY
import json, sys
work, gens, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
tot_msgs = 0
for g in range(1, gens + 1):
    r = json.load(open(f"{work}/gen{g}.json"))
    tot_msgs += r["messagesPerSec"] * secs
    print(f"generator {g}: connected {r['connected']}/{r['clients']}, placed {r['placed']}, acked {r['acked']}, "
          f"missed {r['missed']}, disconnected {r['disconnected']}, delivery p50 {r['deliveryP50Ms']:.1f} ms "
          f"p99 {r['deliveryP99Ms']:.1f} ms max {r['deliveryMaxMs']:.1f} ms, {r['messagesPerSec']:.0f} messages/s, errors {r['errors']}")
print(f"placing window {secs:.1f} s, {tot_msgs / secs:.0f} messages/s delivered in total")
PY
hz=$(getconf CLK_TCK)
total_conns=0
for i in $(seq 0 $((INSTANCES - 1))); do total_conns=$((total_conns + ${conns[$i]%.*})); done
msgs=$(python3 -c "import json,sys; print(sum(json.load(open('$work/gen%d.json' % g))['messagesPerSec'] for g in range(1, $GENS + 1)))")
for i in $(seq 0 $((INSTANCES - 1))); do
	awk -v c=$((c1[$i] - c0[$i])) -v hz="$hz" -v s="$secs" -v n="${conns[$i]}" -v tn="$total_conns" -v m="$msgs" -v rss="${rss[$i]}" -v i="$i" \
		'BEGIN { cores = c / hz / s; share = m * n / tn; printf "instance %d: %d connections, %.3f cores, %.1f us CPU per delivered message, RSS %.0f MB\n", i, n, cores, cores * 1e6 / share, rss / 1024 }'
done
awk -v r=$((redis1 - redis0)) -v p=$((pg1 - pg0)) -v n=$((ng1 - ng0)) -v hz="$hz" -v s="$secs" \
	'BEGIN { printf "redis %.3f cores, postgresql %.3f cores, nginx %.3f cores\n", r / hz / s, p / hz / s, n / hz / s }'
