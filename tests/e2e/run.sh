#!/usr/bin/env bash
# Browser end-to-end test of the web UI: builds netvet (debug), installs playwright-core and
# runs ui.mjs in headless Debian chromium (apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")"
cargo build -q -p netvet-cli
npm install --no-audit --no-fund --silent
NETVET_BIN="${NETVET_BIN:-${CARGO_TARGET_DIR:-../../target}/debug/netvet}" node ui.mjs
NETVET_BIN="${NETVET_BIN:-${CARGO_TARGET_DIR:-../../target}/debug/netvet}" node network.mjs
