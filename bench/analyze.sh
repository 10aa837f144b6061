#!/usr/bin/env bash
# Analyze-stage throughput over the two corpus root file systems (password cracking
# excluded): MB of file content per second, on the machine's cores.
#
# usage: bench/analyze.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
cargo build -q --release -p netvet-analyze --example analyze_bench
"${CARGO_TARGET_DIR:-target}/release/examples/analyze_bench" "$runs"
