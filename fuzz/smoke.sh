#!/usr/bin/env bash
# Fuzzing smoke test: build every fuzz target and run each for 30 s (SMOKE_SECONDS) from the
# seeds. Fails on the first crash, hang (-timeout) or out-of-memory (-rss_limit_mb); the
# reproducer is left in fuzz/artifacts/TARGET/. Needs cargo-fuzz; nightly features are
# enabled on the stable toolchain with RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")"
secs=${SMOKE_SECONDS:-30}
export RUSTC_BOOTSTRAP=1
SEED_MAX_BYTES=${SEED_MAX_BYTES:-8192} ./seed.sh
cargo fuzz build -O
for t in $(cargo fuzz list); do
    echo "== fuzz $t (${secs} s)"
    mkdir -p "corpus/$t"
    cargo fuzz run -O "$t" "corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -timeout=60 -print_final_stats=1 2>&1 |
        grep -E "^(stat::number_of_executed_units|==[0-9]+== ERROR|SUMMARY|artifact_prefix|Test unit written)" || true
    # cargo fuzz exits non-zero on a finding; pipefail is defeated by grep, so check again
    if ls "artifacts/$t"/crash-* "artifacts/$t"/timeout-* "artifacts/$t"/oom-* >/dev/null 2>&1; then
        echo "fuzz $t: finding in fuzz/artifacts/$t" >&2
        exit 1
    fi
done
echo "fuzz smoke: all targets ran ${secs} s without a finding"
