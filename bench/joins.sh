#!/usr/bin/env bash
# Joins on one canvas: starts `place serve` (embedded, defaults but for the
# size) on a blank or busy canvas (bench/busycanvas) and runs
# `place bench --joins` against it with and without permessage-deflate,
# printing one JSON report per run. BENCHMARKS.md, "Joins measured without
# the generator's inflating", was measured with it.
#
#   bench/joins.sh 2000 blank 2000 1          # SIZE FILL CLIENTS PROCS
#   bench/joins.sh 4096 busy 10000 5
#   MODES="deflate plain json" bench/joins.sh 2000 blank 2000 1
#
# MODES: deflate (binary, deflate offered), plain (binary, nothing offered),
# json (JSON protocol, nothing offered), json-deflate. FILL: blank, busy
# (image-like) or random. The server's CPU per run is read from its
# /proc/PID/stat; the load average comes with each report.
set -euo pipefail
SIZE=${1:-2000} FILL=${2:-blank} CLIENTS=${3:-2000} PROCS=${4:-1}
MODES=${MODES:-deflate plain} PORT=${PORT:-3790}
cd "$(dirname "$0")/.."
work=$(mktemp -d) pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/place" ./cmd/place
go build -o "$work/busycanvas" ./bench/busycanvas
if [ "$FILL" != blank ]; then
	pattern=image
	[ "$FILL" = random ] && pattern=random
	"$work/busycanvas" --data-dir "$work/data" --width "$SIZE" --height "$SIZE" --pattern "$pattern" >&2
fi
"$work/place" serve --addr 127.0.0.1:$PORT --data-dir "$work/data" --width "$SIZE" --height "$SIZE" 2>"$work/serve.log" &
pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/api/v1/canvas/info" >/dev/null && break; sleep 0.2; done
for mode in $MODES; do
	flags=()
	case $mode in
	deflate) flags=(--deflate) ;;
	plain) ;;
	json) flags=(--json-protocol) ;;
	json-deflate) flags=(--json-protocol --deflate) ;;
	*) echo "unknown mode $mode" >&2; exit 2 ;;
	esac
	echo "== ${SIZE}x$SIZE $FILL, $CLIENTS clients, $PROCS processes, $mode" >&2
	"$work/place" bench --joins --target "http://127.0.0.1:$PORT" --clients "$CLIENTS" --procs "$PROCS" \
		--server-pid "$pid" --json "${flags[@]}" | jq -c "del(.histogram) + {size: $SIZE, fill: \"$FILL\", mode: \"$mode\"}" || true
	sleep 2
done
