#!/usr/bin/env bash
# ELF hardening: netvet vs checksec (Debian package `checksec`, slimm609/checksec.sh 2.6).
#
# usage: bench/checksec.sh [DIR...]   (default: the two corpus root file systems)
# needs: checksec and binutils' readelf (`apt-get install -y checksec binutils`), cargo.
# Prints per-property agreement over every ELF file found and lists each disagreement.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${NETVET_CORPUS:-../shared/corpus}"
if [ "$#" -eq 0 ]; then
  set -- "$corpus/rootfs/luxul-xbr4400/squashfs-root" "$corpus/rootfs/phicomm-k2p/squashfs-root"
fi
command -v checksec >/dev/null || { echo "checksec not installed (apt-get install -y checksec)" >&2; exit 1; }
cargo build -q -p netvet-analyze --example hardening
bin="${CARGO_TARGET_DIR:-target}/debug/examples/hardening"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for dir in "$@"; do
  # netvet: path relative to DIR, properties in checksec's vocabulary
  "$bin" "$dir" | tail -n +2 | awk -F'\t' -v d="$dir" 'BEGIN{OFS="\t"} {print d"/"$1,$3,$4,$5,$6,$7,$8,$9,$10}' >> "$work/netvet.tsv"
done
cut -f1 "$work/netvet.tsv" > "$work/files"
n=$(wc -l < "$work/files")
echo "ELF files: $n"

# checksec, one file at a time (its --dir mode skips files that are not executable)
while IFS= read -r f; do
  checksec --format=csv --file="$f" 2>/dev/null | tail -n 1
done < "$work/files" | awk -F',' 'BEGIN{OFS="\t"}
  {
    relro = ($1 ~ /Full/) ? "full" : ($1 ~ /Partial/) ? "partial" : "no";
    canary = ($2 ~ /Canary found/ && $2 !~ /No/) ? "yes" : "no";
    nx = ($3 ~ /enabled/) ? "yes" : "no";
    pie = ($4 ~ /PIE enabled/) ? "yes" : ($4 ~ /DSO/) ? "dso" : ($4 ~ /REL/) ? "rel" : "no";
    rpath = ($5 ~ /No RPATH/) ? "no" : "yes";
    runpath = ($6 ~ /No RUNPATH/) ? "no" : "yes";
    sym = ($7 ~ /No Symbols/) ? "no" : "yes";
    fort = ($8 ~ /Yes/) ? "yes" : "no";
    path = $NF;
    print path, relro, canary, nx, pie, rpath, runpath, sym, fort
  }' > "$work/checksec.tsv"

awk -F'\t' '
  NR == FNR { c[$1] = $0; next }
  {
    split(c[$1], k, "\t");
    if (!($1 in c)) { missing++; next }
    total++;
    for (i = 2; i <= 9; i++) {
      if ($i == k[i]) agree[i]++;
      else printf "DIFF %s %s netvet=%s checksec=%s\n", name[i], $1, $i, k[i];
    }
  }
  BEGIN { split("x relro canary nx pie rpath runpath symbols fortify", name, " ") }
  END {
    printf "compared: %d files (%d without checksec output)\n", total, missing;
    for (i = 2; i <= 9; i++) printf "%-8s agreement %6.2f %% (%d/%d)\n", name[i], 100 * agree[i] / total, agree[i], total;
  }' "$work/checksec.tsv" "$work/netvet.tsv"
