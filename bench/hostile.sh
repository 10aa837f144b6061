#!/usr/bin/env bash
# Hostile inputs through the release binary: wall time and peak RSS of `netvet scan` on the
# bomb, nesting, size-table and traversal fixtures that crates/unpack/tests/hostile.rs writes
# (NETVET_HOSTILE_OUT), each with --extract-to into a scratch directory; then checks that
# nothing was written outside it. Needs GNU time (/usr/bin/time).
# Usage: bench/hostile.sh         Figures go to stdout as a Markdown table.
#        PROFILE=dev bench/hostile.sh   the same with debug builds (quicker to build)
set -euo pipefail
cd "$(dirname "$0")/.."
export NETVET_VULNDB=${NETVET_VULNDB:-none}   # embedded data only, never the user's database
target=${CARGO_TARGET_DIR:-target}
if [ "${PROFILE:-release}" = dev ]; then flag=(); dir=debug; else flag=(--release); dir=release; fi
cargo build "${flag[@]}" -q --bin netvet
netvet="$target/$dir/netvet"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
NETVET_HOSTILE_OUT="$work/in" cargo test -q "${flag[@]}" -p netvet-unpack --test hostile write_fixtures >/dev/null
echo "| fixture | input bytes | wall s | peak RSS MiB | files | limits hit | errors |"
echo "|---|---:|---:|---:|---:|---|---:|"
for f in "$work"/in/*; do
  name=$(basename "$f")
  mkdir -p "$work/x/$name"
  status=0
  /usr/bin/time -f "%e %M" -o "$work/time" "$netvet" scan --quiet --crack-seconds 1 \
      -o "$work/r.json" --extract-to "$work/x/$name/out" "$f" || status=$?
  # 0 or 1 (a fail verdict) is a finished scan; anything else (2, a signal) fails the benchmark
  [ "$status" -le 1 ] || { echo "$name: netvet scan exited with $status" >&2; exit 1; }
  read -r wall kib < <(tail -n 1 "$work/time")
  summary=$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
u = j["unpack"]
print(u["files"], ",".join(sorted({l["limit"] for l in u["limits_hit"]})) or "-", len(u["errors"]), sep="|")
' "$work/r.json")
  IFS='|' read -r files limits errors <<< "$summary"
  echo "| $name | $(stat -c %s "$f") | $wall | $((kib / 1024)) | $files | $limits | $errors |"
  # only the extract-to directory may have been created next to it
  extra=$(ls -A "$work/x/$name" | grep -vx out || true)
  [ -z "$extra" ] || { echo "$name wrote outside --extract-to: $extra" >&2; exit 1; }
done
