#!/usr/bin/env bash
# Analyze-stage throughput over the two corpus root file systems (password cracking
# excluded): MB of file content per second, on the machine's cores.
#
# usage: bench/analyze.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
# PROFILE=release for the shipped build; the dev profile already optimizes dependencies
# (yara-x, object, rayon) at opt-level 2, and builds much faster.
profile="${PROFILE:-dev}"
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
cargo build -q --profile "$profile" --example analyze_bench
"${CARGO_TARGET_DIR:-target}/$dir/examples/analyze_bench" "$runs"
