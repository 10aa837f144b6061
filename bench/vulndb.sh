#!/usr/bin/env bash
# vulndb benchmarks: import speed (records/s) and matching 200 components against a database
# of 100,000 CVE records generated from the shapes of the corpus's real NVD records.
#
#   bench/vulndb.sh [CORPUS_DIR]     (default ../shared/corpus)
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${1:-../shared/corpus}
TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release -q --bin netvet --example match_bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/vulndb_gen.py "$CORPUS/vulndata" "$work/gen" 100000 2000
echo "import (netvet db import, release build):"
"$TARGET/release/netvet" db import "$work/gen/feeds" --vulndb "$work/v.sqlite"
"$TARGET/release/netvet" db stats --vulndb "$work/v.sqlite" | head -3
echo "matching:"
"$TARGET/release/examples/match_bench" "$work/v.sqlite" "$work/gen/components.json"
