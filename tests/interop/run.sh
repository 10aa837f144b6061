#!/usr/bin/env bash
# Interoperability: a netvet attestation verified by securesystemslib's DSSE implementation,
# and tampered copies rejected by it. Needs python3 with venv and the PyPI registry.
# usage: tests/interop/run.sh   (from anywhere; builds the netvet binary with cargo)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "securesystemslib[crypto]>=1,<2"
py="$work/venv/bin/python"

# the binary the test suite builds (same features as `cargo test --workspace`: nothing rebuilt)
(cd "$repo" && cargo test -q --workspace --no-run)
netvet="${CARGO_TARGET_DIR:-$repo/target}/debug/netvet"

printf 'interop test image\n' > "$work/fw.bin"
printf 'name = "interop"\n' > "$work/policy.toml"
"$netvet" keygen -o "$work/lab"
"$netvet" keygen -o "$work/other"
"$netvet" certify "$work/fw.bin" --policy "$work/policy.toml" --key "$work/lab.key" -o "$work/fw.att" --quiet

pass=0; fail=0
check() { # name expected-exit command...
  local name=$1 want=$2; shift 2
  local got=0; "$@" >"$work/out" 2>&1 || got=$?
  if [ "$got" = "$want" ]; then pass=$((pass+1)); echo "ok   $name: $(head -c 200 "$work/out")"
  else fail=$((fail+1)); echo "FAIL $name: exit $got, want $want: $(cat "$work/out")"; fi
}

check "securesystemslib verifies netvet envelope" 0 "$py" "$here/verify_dsse.py" "$work/fw.att" "$work/lab.pub" "$work/fw.bin"
check "netvet verifies its own envelope" 0 "$netvet" verify "$work/fw.bin" --attestation "$work/fw.att" --pubkey "$work/lab.pub"
check "securesystemslib rejects wrong key" 1 "$py" "$here/verify_dsse.py" "$work/fw.att" "$work/other.pub" "$work/fw.bin"
# tampered payload: change the verdict inside the signed statement
"$py" - "$work/fw.att" "$work/tampered.att" <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
st = json.loads(base64.b64decode(env["payload"]))
st["predicate"]["verdict"] = "fail" if st["predicate"]["verdict"] != "fail" else "pass"
env["payload"] = base64.b64encode(json.dumps(st).encode()).decode()
json.dump(env, open(sys.argv[2], "w"))
PY
check "securesystemslib rejects tampered payload" 1 "$py" "$here/verify_dsse.py" "$work/tampered.att" "$work/lab.pub" "$work/fw.bin"
check "netvet rejects tampered payload" 1 "$netvet" verify "$work/fw.bin" --attestation "$work/tampered.att" --pubkey "$work/lab.pub"
printf 'interop test image!\n' > "$work/fw2.bin"
check "securesystemslib rejects tampered image" 1 "$py" "$here/verify_dsse.py" "$work/fw.att" "$work/lab.pub" "$work/fw2.bin"
check "netvet rejects tampered image" 1 "$netvet" verify "$work/fw2.bin" --attestation "$work/fw.att" --pubkey "$work/lab.pub"
head -c 100 "$work/fw.att" > "$work/cut.att"
check "netvet rejects truncated envelope" 1 "$netvet" verify "$work/fw.bin" --attestation "$work/cut.att" --pubkey "$work/lab.pub"

echo "interop: $pass passed, $fail failed"
[ "$fail" = 0 ]
