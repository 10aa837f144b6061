# Sourced by the benchmark scripts: build a tree of COPIES copies of both corpus router trees.
#   copy_trees COPIES DEST     (needs $CORPUS)
# Every copy is made distinct (a few bytes appended to its first 200 files over 1 KiB), so that
# compression and duplicate detection cannot fold the copies and the image grows linearly.
copy_trees() {
  local copies=$1 dest=$2 i t
  for i in $(seq 1 "$copies"); do
    for t in luxul-xbr4400 phicomm-k2p; do
      mkdir -p "$dest/c$i"
      cp -a "$CORPUS/rootfs/$t/squashfs-root" "$dest/c$i/$t"
      { find "$dest/c$i/$t" -type f -size +1k | head -200 | while read -r f; do printf 'copy %s' "$i" >> "$f"; done; } || true
    done
  done
}
