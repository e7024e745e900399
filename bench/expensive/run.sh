#!/bin/bash
# run.sh BINARY PORT: the end-to-end measurement of expensive responses in
# BENCHMARKS.md ("Expensive responses under one budget"). It seeds a 4096²
# canvas with 40,000 placements in a fresh embedded database, starts the
# server, makes the running totals once, then sends three bursts of 25
# parallel requests from 25 addresses (X-Forwarded-For): past-canvas PNGs
# at scale 2 (each another seq), overlays, and one past-canvas PNG 25 times.
# burst.py prints the server's peak resident memory, time and answers.
set -e
here=$(cd "$(dirname "$0")" && pwd)
bin=$1; port=$2
dir=$(mktemp -d)
$bin migrate --data-dir "$dir" --width 4096 --height 4096 >/dev/null
python3 "$here/seed.py" "$dir/place.db" 4096 40000
GOGC=50 $bin serve --addr 127.0.0.1:$port --data-dir "$dir" --width 4096 --height 4096 --cooldown 0s --identity-limit 0 --trusted-proxies 127.0.0.1 > "$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for i in $(seq 100); do curl -sf http://127.0.0.1:$port/readyz >/dev/null && break; sleep 0.2; done
curl -s -o /dev/null http://127.0.0.1:$port/api/v1/history/summary
sleep 1
paths=(); for i in $(seq 0 24); do paths+=("/api/v1/canvas.png?at=$((40000 - i * 1333))&scale=2"); done
python3 "$here/burst.py" $pid http://127.0.0.1:$port "${paths[@]}"
sleep 2
paths=(); for i in $(seq 0 24); do if ((i % 2)); then paths+=("/api/v1/overlay/virgin.png"); else paths+=("/api/v1/overlay/heatmap.png"); fi; done
python3 "$here/burst.py" $pid http://127.0.0.1:$port "${paths[@]}"
sleep 2
paths=(); for i in $(seq 0 24); do paths+=("/api/v1/canvas.png?at=40000&scale=2"); done
python3 "$here/burst.py" $pid http://127.0.0.1:$port "${paths[@]}"
