#!/usr/bin/env bash
# Build the libFuzzer start corpora fuzz/corpus/TARGET from the committed seeds
# (fuzz/seeds/TARGET/) and, when present, the test corpus (../shared/corpus or $NETVET_CORPUS):
# small real files of every format. The category targets take a selector byte first (it picks
# the handler), so each file is added with selectors 0..15.
set -euo pipefail
cd "$(dirname "$0")"
corpus=${NETVET_CORPUS:-../../shared/corpus}
max=${SEED_MAX_BYTES:-65536}
targets=(unpack_carve unpack_compression unpack_archive unpack_firmware unpack_filesystem
         unpack_leaf analyze_files network_inputs vulndb_feeds certify_policy)
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    if [ -d "seeds/$t" ]; then cp -n seeds/"$t"/* "corpus/$t/" 2>/dev/null || true; fi
done
# files are named by their sha1, as libFuzzer names its own, so reruns add nothing twice
put() { # target < data
    local tmp="corpus/$1/.tmp"
    cat > "$tmp"
    mv "$tmp" "corpus/$1/$(sha1sum "$tmp" | cut -c1-40)"
}
# certify_policy: the embedded policy (selector 0) and requirement files (selector 1) of the
# repository's rules/
for f in ../rules/policy/*.toml; do
    [ -f "$f" ] && { printf '\x00'; cat "$f"; } | put certify_policy
done
for f in ../rules/requirements/*.toml; do
    [ -f "$f" ] && { printf '\x01'; cat "$f"; } | put certify_policy
done
[ -d "$corpus" ] || { echo "no test corpus at $corpus: committed seeds only"; exit 0; }
# vulndb_feeds: every NVD / OSV record of the test corpus with each selector (NVD, OSV, any)
for f in "$corpus"/vulndata/*.json; do
    [ -f "$f" ] || continue
    for s in 0 1 2; do { printf "\x0$s"; cat "$f"; } | put vulndb_feeds; done
done
n=0
while IFS= read -r -d '' f; do
    n=$((n + 1))
    put unpack_carve < "$f"
    for t in unpack_compression unpack_archive unpack_firmware unpack_filesystem unpack_leaf; do
        for s in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
            { printf "\\x$(printf %02x "$s")"; cat "$f"; } | put "$t"
        done
    done
done < <(find "$corpus/formats" "$corpus/images" -type f -size -"$((max / 1024))"k -print0 | sort -z)
# analyzer inputs: the selector is the index into analyze_files' PATHS
root="$corpus/rootfs/luxul-xbr4400/squashfs-root"
add() { # selector file
    [ -f "$2" ] || return 0
    { printf "\\x$(printf %02x "$1")"; head -c "$max" "$2"; } | put analyze_files
}
if [ -d "$root" ]; then
    add 0 "$root/etc/passwd"; add 1 "$root/etc/shadow"; add 2 "$root/etc/group"
    add 3 "$root/etc/inittab"; add 4 "$root/etc/init.d/boot"; add 5 "$root/etc/inetd.conf"
    add 7 "$root/etc/config/dropbear"; add 8 "$root/etc/config/system"
    add 11 "$root/usr/sbin/odhcp6c"; add 17 "$root/usr/sbin/bcrelay"
    add 18 "$root/etc/rc.local"; add 4 "$root/etc/init.d/dropbear"
fi
crypto="$corpus/images/FACT_core/src/plugins/analysis/crypto_material/test/data"
if [ -d "$crypto" ]; then
    for f in "$crypto"/*; do add 9 "$f"; add 10 "$f"; add 14 "$f"; add 15 "$f"; add 16 "$f"; done
fi
creds="$corpus/images/FACT_core/src/plugins/analysis/users_and_passwords/test/data"
if [ -d "$creds" ]; then
    for f in "$creds"/*; do add 0 "$f"; add 1 "$f"; done
fi
echo "seeded $n corpus files"
