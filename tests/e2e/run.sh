#!/usr/bin/env bash
# Browser end-to-end test of the web UI: builds netvet (debug), installs playwright-core and
# runs ui.mjs in headless Debian chromium (apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")"
# the service scans with the embedded data only, never a database in the user's data directory
export NETVET_VULNDB=none
# the binary the test suite builds (`cargo test` builds the package's binaries with the
# workspace's feature set; `cargo build -p netvet-cli` would rebuild dependencies with another)
cargo test -q --workspace --no-run
npm install --no-audit --no-fund --silent
NETVET_BIN="${NETVET_BIN:-${CARGO_TARGET_DIR:-../../target}/debug/netvet}" node ui.mjs
NETVET_BIN="${NETVET_BIN:-${CARGO_TARGET_DIR:-../../target}/debug/netvet}" node network.mjs
NETVET_BIN="${NETVET_BIN:-${CARGO_TARGET_DIR:-../../target}/debug/netvet}" node report.mjs
