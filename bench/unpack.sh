#!/usr/bin/env bash
# Benchmark: a full `netvet scan` against `unsquashfs`, both doing the same work, on squashfs-xz
# images packed from the corpus router trees (COPIES copies of both trees per image).
#
#   in memory:  netvet scan (tree kept in memory, every analyzer, SBOM, CVEs, verdict)
#               against unsquashfs -d DIR with DIR on tmpfs (/dev/shm): neither touches a disk
#   extract:    netvet scan --extract-to DIR against unsquashfs -d DIR, both DIRs on the same tmpfs
#
# Runs alternate (unsquashfs, netvet, unsquashfs, ...); each cell is the median with the range
# (min-max) of RUNS runs; the ratio is netvet's median over unsquashfs's. A failed run fails the
# script (bench/measure.py): netvet may exit 0 or 1 (1 = a fail verdict), never 2 or by a
# signal. With 4 or more sizes, the slope of netvet's time over image size (least squares) and
# its ratio to unsquashfs's slope are printed too.
# Needs squashfs-tools (Debian); installed when missing and root.
# Usage: bench/unpack.sh [RUNS]     COPIES="1 3 6 12" (default "3 12")   Markdown on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
CORPUS=${NETVET_CORPUS:-../shared/corpus}
SHM=${SHM:-/dev/shm}
export NETVET_VULNDB=${NETVET_VULNDB:-none}   # embedded data only, never the user's database
if ! command -v unsquashfs >/dev/null; then
  if [ "$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq squashfs-tools >/dev/null; else echo "need squashfs-tools" >&2; exit 1; fi
fi
[ "$(stat -f -c %T "$SHM")" = tmpfs ] || { echo "$SHM is not a tmpfs" >&2; exit 1; }
# NETVET_BIN: a netvet binary built beforehand (the script then builds nothing)
if [ -n "${NETVET_BIN:-}" ]; then
  NETVET=$NETVET_BIN
else
  cargo build --release -q --bin netvet
  NETVET=${CARGO_TARGET_DIR:-target}/release/netvet
fi
[ -x "$NETVET" ] || { echo "no netvet binary at $NETVET" >&2; exit 1; }
work=$(mktemp -d)
out=$(mktemp -d -p "$SHM" netvet-bench.XXXXXX)
trap 'rm -rf "$work" "$out"' EXIT

. bench/trees.sh

# image of COPIES copies of both corpus trees (duplicate detection off, so size grows linearly)
make_image() {
  local copies=$1 img=$2 src="$work/src-$1"
  copy_trees "$copies" "$src"
  mksquashfs "$src" "$img" -comp xz -b 262144 -no-xattrs -noappend -all-root -no-duplicates -quiet >/dev/null
  rm -rf "$src"
}

# stats FILE COLUMN -> "median min max"
stats() { cut -f"$2" "$1" | sort -n | awk '{a[NR]=$1} END {m=(NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2); print m, a[1], a[NR]}'; }
m() { MEASURE_OK="0 1" python3 bench/measure.py "$@"; }

echo "| image | mode | unsquashfs median (range) | netvet median (range) | ratio | unsquashfs peak RSS | netvet peak RSS |"
echo "|---|---|---:|---:|---:|---:|---:|"
: > "$work/slope.tsv"
for copies in ${COPIES:-3 12}; do
  img="$work/img-$copies.sqfs"
  make_image "$copies" "$img"
  bytes=$(stat -c %s "$img")
  for mode in memory extract; do
    : > "$work/u.tsv"; : > "$work/n.tsv"
    for _ in $(seq 1 "$RUNS"); do
      rm -rf "$out/u" "$out/n"
      m unsquashfs -q -d "$out/u" "$img" >> "$work/u.tsv"
      rm -rf "$out/u"
      if [ "$mode" = memory ]; then
        m "$NETVET" scan --format json --quiet -o "$work/report.json" "$img" >> "$work/n.tsv"
      else
        m "$NETVET" scan --format json --quiet -o "$work/report.json" --extract-to "$out/n" "$img" >> "$work/n.tsv"
        [ -d "$out/n" ] || { echo "netvet --extract-to wrote nothing" >&2; exit 1; }
      fi
    done
    read -r um umin umax < <(stats "$work/u.tsv" 1)
    read -r nm nmin nmax < <(stats "$work/n.tsv" 1)
    ur=$(stats "$work/u.tsv" 2 | cut -d' ' -f3); nr=$(stats "$work/n.tsv" 2 | cut -d' ' -f3)
    ratio=$(python3 -c "print(f'{$nm/$um:.2f}')")
    files=$(python3 -c "import json;print(json.load(open('$work/report.json'))['unpack']['files'])")
    [ "$files" -gt 0 ] || { echo "netvet unpacked no file from $img" >&2; exit 1; }
    echo "| ${copies}x trees, $((bytes / 1000000)) MB, $files files | $mode | ${um} s (${umin}-${umax}) | ${nm} s (${nmin}-${nmax}) | ${ratio}x | ${ur} MiB | ${nr} MiB |"
    [ "$mode" = memory ] && printf '%s\t%s\t%s\n' "$bytes" "$um" "$nm" >> "$work/slope.tsv"
  done
  rm -f "$img"
done
if [ "$(wc -l < "$work/slope.tsv")" -ge 4 ]; then
  python3 - "$work/slope.tsv" <<'PY'
import sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
def fit(ys):
    xs = [r[0] / 1e6 for r in rows]
    n = len(xs); mx = sum(xs) / n; my = sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    a = my - b * mx
    ss = sum((y - my) ** 2 for y in ys)
    r2 = 1 - sum((y - (a + b * x)) ** 2 for x, y in zip(xs, ys)) / ss if ss else 1.0
    return b, a, r2
bu, au, r2u = fit([r[1] for r in rows]); bn, an, r2n = fit([r[2] for r in rows])
print()
print(f"Slope over {len(rows)} sizes (in memory): netvet {bn*1000:.1f} ms/MB (intercept {an:.2f} s, R² {r2n:.3f}), "
      f"unsquashfs {bu*1000:.1f} ms/MB (R² {r2u:.3f}); slope ratio {bn/bu:.2f}x")
PY
fi
