#!/usr/bin/env bash
# Password cracking rate: netvet's cracker vs John the Ripper (CPU) on the same hashes and the
# same wordlist of candidates that never match (so every candidate is hashed).
#
# usage: bench/crack.sh
# needs: cargo; john (Debian package `john`, 1.9.0 core; installed here with apt-get when
# missing). Fails when a run fails or prints no rate.
#
# Both sides use both cores: netvet through rayon, john with --fork=2 (the Debian build has no
# OpenMP). John 1.9.0 core has descrypt, md5crypt and bcrypt natively and reaches sha-crypt and
# yescrypt through the system crypt(3) (--format=crypt, libxcrypt); it has no apr1 or raw MD5,
# so those rows have netvet alone. netvet's side is the ignored test `bench_crack_rates`
# (crates/analyze/tests/credentials.rs: the same hashes, the same words `n0000001`...,
# a 10 s budget per scheme), in the test profile (dependencies at opt-level 2: pwhash, md-5,
# yescrypt do the hashing; netvet-analyze itself unoptimized).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v john >/dev/null; then
  echo "john not found: installing the Debian package" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq john >/dev/null
fi
command -v john >/dev/null || { echo "john is still missing" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# netvet: one line per scheme, `   md5-crypt:      6400 candidates/s (80000 in 10.00 s)`
cargo test -q -p netvet-analyze --test credentials bench_crack_rates -- --ignored --nocapture \
  > "$work/netvet.log" 2>&1 || { cat "$work/netvet.log" >&2; echo "netvet's run failed" >&2; exit 1; }
sed -nE 's/^ *([a-z0-9-]+): *([0-9]+) candidates\/s.*/\1 \2/p' "$work/netvet.log" > "$work/netvet.rates"

# scheme | john format | hash | candidates in the wordlist
# Hashes: `openssl passwd` vectors of the unit tests, Openwall's crypt_blowfish vector
# ($2a$05$, "U*U") and a libxcrypt yescrypt vector; none of the candidates is the password.
cases=$(cat <<'EOF'
des-crypt|descrypt|aZGJuE6EXrjEE|3000000
md5-unsalted|-|21232f297a57a5a743894a0e4a801fc4|3000000
md5-crypt|md5crypt|$1$4ce6a0$8327Pr9kC9SH9S4b/oH4M1|80000
apr1-md5|-|$apr1$saltsalt$9c0WR0Se3z5lfIgYnltHf1|80000
sha256-crypt|crypt|$5$saltsalt$ajilCybiF3oQBEfeTHO1rkbsmz9HcJplt.gHWXkRfD4|8000
sha512-crypt|crypt|$6$saltsalt$ZxoUf1bJzACFdk9GZkBGmxXd3Rq8nUoGjgon4GVoI91SlW41Ew2djlh60PmWr4flwags.7ULrKVSSmnCEsIOj1|6000
bcrypt|bcrypt|$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW|8000
yescrypt|crypt|$y$j9T$abcdefghijklmnop$5MpaJ6mYQgeqLje.dQWuzmjhB.Uwp8kNmSyfdzfZPa5|300
EOF
)

# john prints rates as 11152p/s, 3276Kp/s or 1.2Mp/s; with --fork one line per process
john_rate() {
  grep -Eo '[0-9.]+[KMG]?p/s' | sed 's#p/s##' | awk '
    { v = $1; m = 1
      if (v ~ /K$/) { m = 1e3 } else if (v ~ /M$/) { m = 1e6 } else if (v ~ /G$/) { m = 1e9 }
      sub(/[KMG]$/, "", v); s += v * m; n++ }
    END { if (n == 0) exit 1; printf "%.0f\n", s }'
}

printf '| scheme | netvet candidates/s | john candidates/s | netvet / john |\n|---|---|---|---|\n'
while IFS='|' read -r scheme fmt hash n; do
  [ -n "$scheme" ] || continue
  ours=$(awk -v s="$scheme" '$1 == s { print $2 }' "$work/netvet.rates")
  [ -n "$ours" ] || { cat "$work/netvet.log" >&2; echo "netvet printed no rate for $scheme" >&2; exit 1; }
  if [ "$fmt" = "-" ]; then
    printf '| %s | %s | n/a (not in john 1.9.0 core) | |\n' "$scheme" "$ours"
    continue
  fi
  seq -f 'n%07.0f' 1 "$n" > "$work/words"
  printf 'u:%s\n' "$hash" > "$work/hash"
  jhome="$work/john-$scheme"
  mkdir -p "$jhome"
  out=$(HOME="$jhome" john --fork=2 --format="$fmt" --wordlist="$work/words" \
        --session="$jhome/s" "$work/hash" 2>&1) || { echo "john failed on $scheme: $out" >&2; exit 1; }
  if printf '%s\n' "$out" | grep -q '1g '; then
    echo "john cracked the $scheme hash: the wordlist must not hold the password" >&2; exit 1
  fi
  theirs=$(printf '%s\n' "$out" | john_rate) || { echo "john printed no rate for $scheme: $out" >&2; exit 1; }
  ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", a / b }')
  printf '| %s | %s | %s | %s |\n' "$scheme" "$ours" "$theirs" "$ratio"
done <<< "$cases"
