#!/usr/bin/env bash
# Fuzzing smoke test: build every fuzz target and run each for 30 s (SMOKE_SECONDS) from the
# seeds. Fails when cargo fuzz exits non-zero, and on any single artifact of any kind (crash,
# timeout, oom, leak, ...) that a run leaves in fuzz/artifacts/TARGET/, which is where the
# reproducer stays; slow units are listed, not counted. Needs cargo-fuzz; nightly features are enabled on the stable toolchain with
# RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")"
secs=${SMOKE_SECONDS:-30}
export RUSTC_BOOTSTRAP=1
SEED_MAX_BYTES=${SEED_MAX_BYTES:-8192} ./seed.sh
cargo fuzz build -O
targets=$(cargo fuzz list)
[ -n "$targets" ] || { echo "fuzz smoke: cargo fuzz list printed no target" >&2; exit 1; }
# artifacts of an earlier local run would be taken for findings of this one
rm -rf artifacts
for t in $targets; do
    echo "== fuzz $t (${secs} s)"
    mkdir -p "corpus/$t"
    log=$(mktemp)
    status=0
    cargo fuzz run -O "$t" "corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -timeout=60 -print_final_stats=1 >"$log" 2>&1 || status=$?
    grep -E "^(stat::|==[0-9]+== ERROR|SUMMARY|artifact_prefix|Test unit written)" "$log" || true
    # the last coverage line: edges, features and corpus size at the end of the run
    grep -E "^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)" "$log" | tail -1 || true
    found=""
    if [ -d "artifacts/$t" ]; then
        # a slow unit (over -report_slow_units seconds, below -timeout) is reported, not a
        # finding: it depends on the machine's load; every other artifact is a finding
        find "artifacts/$t" -type f -name 'slow-unit-*' | sed 's/^/note: slow unit /'
        found=$(find "artifacts/$t" -type f ! -name 'slow-unit-*' | head -20)
    fi
    if [ "$status" -ne 0 ] || [ -n "$found" ]; then
        tail -40 "$log" >&2
        echo "fuzz $t: cargo fuzz exited with $status; artifacts: ${found:-none}" >&2
        rm -f "$log"
        exit 1
    fi
    if ! grep -q "^stat::number_of_executed_units" "$log"; then
        tail -40 "$log" >&2
        echo "fuzz $t: the run printed no final statistics (did it run at all?)" >&2
        rm -f "$log"
        exit 1
    fi
    rm -f "$log"
done
echo "fuzz smoke: all targets ran ${secs} s without a finding"
