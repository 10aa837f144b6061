#!/usr/bin/env bash
# Benchmark: `netvet scan --format json --quiet` against `unsquashfs -d` on squashfs-xz images
# packed from the corpus router trees (about 30 MB, and 4x that), runs alternating.
# Needs squashfs-tools (Debian) for mksquashfs/unsquashfs; installs it when missing and root.
# Usage: bench/unpack.sh [RUNS]     Figures go to stdout as a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
CORPUS=${NETVET_CORPUS:-../shared/corpus}
if ! command -v unsquashfs >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq squashfs-tools >/dev/null; else echo "need squashfs-tools" >&2; exit 1; fi
fi
cargo build --release -q -p netvet-cli
NETVET=./target/release/netvet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. bench/trees.sh

# image of COPIES copies of both corpus trees (duplicate detection off, so size grows linearly)
make_image() {
  local copies=$1 out=$2 src="$work/src-$1"
  copy_trees "$copies" "$src"
  mksquashfs "$src" "$out" -comp xz -b 262144 -no-xattrs -noappend -all-root -no-duplicates -quiet >/dev/null
  rm -rf "$src"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "| image | size | unsquashfs median | netvet median | ratio | unsquashfs peak RSS | netvet peak RSS |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for copies in ${COPIES:-3 12}; do
  img="$work/img-$copies.sqfs"
  make_image "$copies" "$img"
  size=$(du -m "$img" | cut -f1)
  : > "$work/u.tsv"; : > "$work/n.tsv"
  for r in $(seq 1 "$RUNS"); do
    rm -rf "$work/out"
    python3 bench/measure.py unsquashfs -q -d "$work/out" "$img" >> "$work/u.tsv"
    rm -rf "$work/out"
    python3 bench/measure.py "$NETVET" scan --format json --quiet -o "$work/report.json" "$img" >> "$work/n.tsv" || true
  done
  um=$(cut -f1 "$work/u.tsv" | median); nm=$(cut -f1 "$work/n.tsv" | median)
  ur=$(cut -f2 "$work/u.tsv" | sort -n | tail -1); nr=$(cut -f2 "$work/n.tsv" | sort -n | tail -1)
  ratio=$(python3 -c "print(f'{$nm/$um:.2f}')")
  files=$(python3 -c "import json;print(json.load(open('$work/report.json'))['unpack']['files'])")
  echo "| ${copies}x trees ($files files) | ${size} MB | ${um} s | ${nm} s | ${ratio}x | ${ur} MiB | ${nr} MiB |"
done
