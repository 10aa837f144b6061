#!/usr/bin/env bash
# Benchmark: `netvet equiv` on two squashfs images of about 30 MB packed from one tree (the
# corpus router trees, several copies) against unpacking both images with `unsquashfs`, and
# against `diffoscope` (Debian package) on the same pairs, in one run, runs alternating.
#   pair "equivalent": the same tree, xz vs gzip, other mtimes and mkfs time
#   pair "different":  as above, plus CHANGED files whose content was edited in the rebuild
# Reports the time ratios and whether netvet and diffoscope name the same differing files.
# Needs squashfs-tools and diffoscope (installed when missing and root).
# Usage: bench/equiv.sh [RUNS]      Markdown tables on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
export NETVET_VULNDB=${NETVET_VULNDB:-none}   # embedded data only, never the user's database
RUNS=${1:-3}
COPIES=${COPIES:-3}
CHANGED=${CHANGED:-5}
CORPUS=${NETVET_CORPUS:-../shared/corpus}
need() { command -v "$1" >/dev/null || { [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; } || { echo "need $2" >&2; exit 1; }; }
need unsquashfs squashfs-tools
need diffoscope diffoscope-minimal
cargo build --release -q --bin netvet
NETVET=${CARGO_TARGET_DIR:-target}/release/netvet
work=$(mktemp -d)
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$work"' EXIT; else echo "work dir: $work" >&2; fi

. bench/trees.sh
src="$work/src"
copy_trees "$COPIES" "$src"
chmod -R u+w "$src"
find "$src" -exec touch -h -d @1786544698 {} +
mksquashfs "$src" "$work/a.sqfs" -comp xz -b 262144 -no-xattrs -noappend -all-root -no-duplicates -mkfs-time 1786544698 -quiet >/dev/null
find "$src" -exec touch -h -d @1800000000 {} +
mksquashfs "$src" "$work/b.sqfs" -comp gzip -b 131072 -no-xattrs -noappend -all-root -no-duplicates -mkfs-time 1800000000 -quiet >/dev/null
# the rebuild with CHANGED edited files (text and binaries)
find "$src" -type f -size +2k | sort | awk -v n="$CHANGED" 'NR % 97 == 0 && c < n {print; c++}' > "$work/changed.txt"
while read -r f; do printf 'patched' | dd of="$f" bs=1 seek=512 conv=notrunc status=none; done < "$work/changed.txt"
mksquashfs "$src" "$work/c.sqfs" -comp gzip -b 131072 -no-xattrs -noappend -all-root -no-duplicates -mkfs-time 1800000000 -quiet >/dev/null
sed "s|^$src/||" "$work/changed.txt" | sort > "$work/changed.rel"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# a failed run fails the script (bench/measure.py); equiv and diffoscope exit 1 on a difference
t() { MEASURE_OK="0 1" python3 bench/measure.py "$@" | cut -f1; }

echo "Images: a.sqfs $(du -m "$work/a.sqfs" | cut -f1) MB (xz), b.sqfs $(du -m "$work/b.sqfs" | cut -f1) MB (gzip), $(find "$src" -type f | wc -l) files; $(wc -l < "$work/changed.rel") files edited in c.sqfs."
echo
echo "| pair | netvet equiv | unsquashfs both | equiv / unpack both | diffoscope | diffoscope / netvet | netvet verdict | files differing: netvet / diffoscope / agree |"
echo "|---|---:|---:|---:|---:|---:|---|---|"
for pair in "equivalent b" "different c"; do
  set -- $pair; name=$1; other="$work/$2.sqfs"
  : > "$work/n"; : > "$work/u"; : > "$work/d"
  for r in $(seq 1 "$RUNS"); do
    t "$NETVET" equiv --format json -o "$work/equiv.json" "$work/a.sqfs" "$other" >> "$work/n"
    rm -rf "$work/x" "$work/y"
    { t unsquashfs -q -d "$work/x" "$work/a.sqfs"; t unsquashfs -q -d "$work/y" "$other"; } | paste -sd+ | bc >> "$work/u"
    rm -rf "$work/x" "$work/y"
  done
  # diffoscope is slow: one run per pair
  t diffoscope --json "$work/diffo.json" "$work/a.sqfs" "$other" >> "$work/d"
  nm=$(median < "$work/n"); um=$(median < "$work/u"); dm=$(median < "$work/d")
  python3 - "$work/equiv.json" "$work/diffo.json" "$work/changed.rel" "$name" "$nm" "$um" "$dm" <<'PY'
import json, sys
eq, dj, changed, name, nm, um, dm = sys.argv[1:]
nm, um, dm = float(nm), float(um), float(dm)
e = json.load(open(eq))
# netvet also names layers carved out of a changed file (`x.png.extract/zlib/data`): count the
# file that holds them, as diffoscope does
ours = {f["path"].split("squashfs/", 1)[-1].split(".extract/", 1)[0]
        for f in e["files"] if f["status"] != "metadata-only"}
# diffoscope: every detail whose source names a file of the image (not a command's output or
# the file list) and that has content differences below it
theirs = set()
def walk(d, depth):
    for c in d.get("details", []) or []:
        s = c.get("source1", "")
        if s.startswith("/") and " " not in s:
            rel = s.lstrip("/")
            # stat-only differences (mtimes) are not content differences
            kids = c.get("details") or []
            content = c.get("unified_diff") or any(k.get("source1", "") not in ("stat {}",) for k in kids)
            if content:
                theirs.add(rel)
        walk(c, depth + 1)
walk(json.load(open(dj)), 0)
theirs = {t for t in theirs if not any(o != t and o.startswith(t + "/") for o in theirs)}
agree = "yes" if ours == theirs else f"no (netvet only: {sorted(ours - theirs)[:3]}, diffoscope only: {sorted(theirs - ours)[:3]})"
print(f"| {name} | {nm:.2f} s | {um:.2f} s | {nm/um:.2f}x | {dm:.1f} s | {dm/nm:.0f}x | {e['verdict']} | {len(ours)} / {len(theirs)} / {agree} |")
if name == "different":
    want = set(open(changed).read().split())
    print(f"\nEdited files found by netvet: {len(ours & want)} of {len(want)}.")
PY
done
