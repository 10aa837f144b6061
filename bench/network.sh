#!/usr/bin/env bash
# Benchmark: `netvet network` on a generated inventory of N elements (default 1,000,000).
# Usage: bench/network.sh [N]    (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
cargo build --release -q -p netvet-cli
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$N" "$work/inv.csv" <<'PY'
import sys, random
n, out = int(sys.argv[1]), sys.argv[2]
random.seed(7)
funcs = [("gNB", 70), ("gNB-DU", 10), ("router", 8), ("ONT", 6), ("AMF", 2), ("UPF", 2), ("OSS", 2)]
vendors = ["Vendor A", "Vendor B", "Vendor C", "Vendor D"]
pool = [f for f, w in funcs for _ in range(w)]
with open(out, "w") as f:
    f.write("site,element_id,function,domain,vendor,product,software_version,firmware_sha256\n")
    for i in range(n):
        fn = pool[i % len(pool)]
        v = vendors[(i * 7) % 4]
        f.write(f"site-{i % 5000},el-{i},{fn},,{v},prod-{fn},1.{i % 9},{(i % 50):064x}\n")
PY
cat > "$work/policy.toml" <<'TOML'
[vendors]
"Vendor A" = "high"
"Vendor B" = "medium"
"Vendor C" = "low"
"Vendor D" = "low"
[rules]
forbid = { high = ["core", "management"] }
max_share = { high = { ran = 0.35 } }
min_vendors = { core = 2, ran = 2 }
require_certified = ["core"]
TOML
echo "inventory: $N elements ($(du -h "$work/inv.csv" | cut -f1))"
for run in 1 2 3; do
  r=$(python3 bench/measure.py ./target/release/netvet network "$work/inv.csv" --policy "$work/policy.toml" --without "Vendor A" -o "$work/out.json" || true)
  echo "run $run: $(echo "$r" | cut -f1) s, peak RSS $(echo "$r" | cut -f2) MiB"
done
python3 -c "import json;a=json.load(open('$work/out.json'));print('violations:',[v['rule'] for v in a['violations']])"
