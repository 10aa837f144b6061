#!/usr/bin/env bash
# Lab service benchmark: scans per minute with 1 and 2 `netvet worker` processes, and API
# latency (p50/p99) of report retrieval under 50 concurrent clients on loopback (wrk).
#
#   bench/server.sh            # NETVET_BIN=target/release/netvet by default
#
# Uses PostgreSQL when NETVET_TEST_POSTGRES is set (each run creates a fresh database: the
# user needs CREATEDB, as scripts/ci-postgres.sh sets up), SQLite in a temporary data
# directory otherwise. Bounded: SCANS uploads per run (default 24), WRK_SECS seconds of load
# (default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${NETVET_BIN:-${CARGO_TARGET_DIR:-target}/release/netvet}"
CORPUS="${NETVET_CORPUS:-../shared/corpus}"
SCANS="${SCANS:-24}"
WRK_SECS="${WRK_SECS:-20}"
IMAGES=(
    "$CORPUS/images/lede-wr703n/lede-17.01.7-ar71xx-generic-tl-wr703n-v1-squashfs-sysupgrade.bin"
    "$CORPUS/images/ddwrt-wr941nd/precompiled/factory-to-ddwrt.bin"
    "$CORPUS/formats/squashfs_v2.bin"
    "$CORPUS/formats/arcadyan.bin"
)
for f in "$BIN" "${IMAGES[@]}"; do [ -f "$f" ] || { echo "missing $f" >&2; exit 2; }; done
command -v wrk >/dev/null || { echo "wrk missing (apt-get install wrk)" >&2; exit 2; }

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

fresh_db() {
    if [ -n "${NETVET_TEST_POSTGRES:-}" ]; then
        local name="netvet_bench_$RANDOM$RANDOM"
        psql "$NETVET_TEST_POSTGRES" -qAt -c "CREATE DATABASE $name" >/dev/null
        echo "${NETVET_TEST_POSTGRES%/*}/$name"
    fi
}

# start_server DATA DB -> sets BASE
start_server() {
    local data="$1" db="$2" log="$1/serve.log"
    local dbarg=(); [ -n "$db" ] && dbarg=(--database "$db")
    "$BIN" serve --no-worker --listen 127.0.0.1:0 --data "$data" "${dbarg[@]}" 2>"$log" &
    PIDS+=($!)
    for _ in $(seq 1 100); do
        # only a whole line: a log read while the server writes it can end inside the address
        BASE="$(tr '\n' '\a' < "$log" | grep -o 'serving on http://[0-9.:]*'$'\a' | head -n 1 | sed 's/^serving on //; s/\x07$//' || true)"
        [ -n "$BASE" ] && return 0
        sleep 0.1
    done
    echo "server did not start: $(cat "$log")" >&2; exit 1
}

open_scans() {
    curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/scans" |
        python3 -c 'import json,sys; print(sum(1 for j in json.load(sys.stdin) if j["state"] in ("queued","running")))'
}

for WORKERS in 1 2; do
    DATA="$(mktemp -d)"
    DB="$(fresh_db)"
    dbarg=(); [ -n "$DB" ] && dbarg=(--database "$DB")
    TOKEN="$("$BIN" serve --data "$DATA" "${dbarg[@]}" --create-token "Bench Vendor" vendor)"
    start_server "$DATA" "$DB"
    for i in $(seq 1 "$SCANS"); do
        img="${IMAGES[$(( (i - 1) % ${#IMAGES[@]} ))]}"
        curl -sf -H "Authorization: Bearer $TOKEN" --data-binary "@$img" \
            "$BASE/api/images?name=$(basename "$img")" >/dev/null
    done
    t0=$(date +%s.%N)
    for _ in $(seq 1 "$WORKERS"); do
        "$BIN" worker --data "$DATA" "${dbarg[@]}" 2>/dev/null &
        PIDS+=($!)
    done
    while [ "$(open_scans)" != 0 ]; do sleep 0.2; done
    t1=$(date +%s.%N)
    python3 -c "e=$t1-$t0; print(f'workers=$WORKERS scans=$SCANS seconds={e:.1f} scans_per_minute={$SCANS/e*60:.1f}')"
    failed=$(curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/scans" |
        python3 -c 'import json,sys; print(sum(1 for j in json.load(sys.stdin) if j["state"]!="done"))')
    echo "workers=$WORKERS not done: $failed"
    if [ "$WORKERS" = 2 ]; then
        ID="$(curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/scans" |
            python3 -c 'import json,sys; print([j for j in json.load(sys.stdin) if "sysupgrade" in j["image_name"]][0]["id"])')"
        BYTES=$(curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/scans/$ID/report" | wc -c)
        echo "report retrieval (LEDE image): $BYTES bytes of JSON, 50 connections, $WRK_SECS s"
        wrk -t 2 -c 50 -d "${WRK_SECS}s" --latency -H "Authorization: Bearer $TOKEN" \
            "$BASE/api/scans/$ID/report" | sed -n '/Latency Distribution/,/Transfer/p'
    fi
    cleanup
    PIDS=()
    rm -rf "$DATA"
    if [ -n "$DB" ]; then psql "$NETVET_TEST_POSTGRES" -qAt -c "DROP DATABASE ${DB##*/}" >/dev/null; fi
done
