#!/usr/bin/env bash
# Benchmark: `netvet network` on a generated inventory of N elements (default 1,000,000), then
# on a history of H inventories of N elements each (default 8: 7 earlier ones + the current).
# Usage: bench/network.sh [N] [H]
# Runs the release `netvet` when NETVET_BIN names it; otherwise builds and runs the
# `network_bench` example of crates/network, the same code path without the CLI around it
# (a release build of the example takes a minute, one of the whole binary far longer).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
H=${2:-8}
if [ -n "${NETVET_BIN:-}" ]; then
  BIN=("$NETVET_BIN" network)
else
  cargo build --release -q -p netvet-network --example network_bench
  BIN=(./target/release/examples/network_bench)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/history"
# Inventory k of H (k = 0 oldest, H-1 current), dated quarterly up to 2026-03-31: the same
# element ids; Vendor A (high risk) loses 4 % of its elements per quarter to Vendor B/C (a swap
# under the same id), 0.1 % of the ids are retired and as many new ones added each quarter.
python3 - "$N" "$H" "$work" <<'PY'
import sys
n, h, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
funcs = [("gNB", 70), ("gNB-DU", 10), ("router", 8), ("ONT", 6), ("AMF", 2), ("UPF", 2), ("OSS", 2)]
vendors = ["Vendor A", "Vendor B", "Vendor C", "Vendor D"]
pool = [f for f, w in funcs for _ in range(w)]
def date(k):
    # quarter ends, the current inventory (k = h-1) at 2026-03-31
    q = 2026 * 4 + 0 - (h - 1 - k)
    y, qi = divmod(q, 4)
    return f"{y}-{['03-31', '06-30', '09-30', '12-31'][qi]}"
for k in range(h):
    out = f"{work}/inv.csv" if k == h - 1 else f"{work}/history/{date(k)}.csv"
    lines = ["site,element_id,function,domain,vendor,product,software_version,firmware_sha256\n"]
    retired = n // 1000 * k
    for j in range(retired, n + retired):
        fn = pool[j % len(pool)]
        v = vendors[(j * 7) % 4]
        # hash of the block of 100 ids (the function pattern repeats every 100 ids)
        if v == "Vendor A" and ((j // 100) * 2654435761) % 100 < 4 * k:
            v = "Vendor B" if j % 2 else "Vendor C"
        lines.append(f"site-{j % 5000},el-{j},{fn},,{v},prod-{fn},1.{j % 9},{(j % 50):064x}\n")
        if len(lines) > 100000:
            open(out, "a").writelines(lines); lines = []
    open(out, "a").writelines(lines)
print("as_of", date(h - 1))
PY
cat > "$work/policy.toml" <<'TOML'
as_of = "2026-03-31"
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
cp "$work/policy.toml" "$work/dated.toml"
cat >> "$work/dated.toml" <<'TOML'
[rules.deadline]
forbid = "2027-12-31"
max_share = "2026-12-31"
uncertified = "2027-06-30"
TOML
echo "inventory: $N elements ($(du -h "$work/inv.csv" | cut -f1))"
for run in 1 2 3; do
  r=$(MEASURE_OK="0 1" python3 bench/measure.py "${BIN[@]}" "$work/inv.csv" --policy "$work/policy.toml" --without "Vendor A" -o "$work/out.json")
  echo "single, run $run: $(echo "$r" | cut -f1) s, peak RSS $(echo "$r" | cut -f2) MiB"
done
python3 -c "import json;a=json.load(open('$work/out.json'));print('violations:',[v['rule'] for v in a['violations']])"
echo "history: $H inventories of $N elements ($(du -sh "$work/history" | cut -f1) earlier ones)"
for run in 1 2 3; do
  r=$(MEASURE_OK="0 1" python3 bench/measure.py "${BIN[@]}" "$work/inv.csv" --policy "$work/dated.toml" --history "$work/history" -o "$work/hist.json")
  echo "history, run $run: $(echo "$r" | cut -f1) s, peak RSS $(echo "$r" | cut -f2) MiB"
done
r=$(MEASURE_OK="0 1" python3 bench/measure.py "${BIN[@]}" "$work/inv.csv" --policy "$work/dated.toml" --history "$work/history" --format html -o "$work/hist.html")
echo "history, HTML: $(echo "$r" | cut -f1) s, peak RSS $(echo "$r" | cut -f2) MiB, $(du -h "$work/hist.html" | cut -f1)"
python3 - "$work/hist.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
for p in a["progress"]:
    print("progress:", p["rule"], p["domain"], p["vendor"], [round(x["value"], 4) for x in p["series"]],
          "rate", p["removal_rate"], "projected", p["projected"], "on_track", p["on_track"])
for c in a["history"]["changes"]:
    print("change:", c["from"], "->", c["to"], "added", c["added"], "removed", c["removed"], "swapped", c["swapped"])
print("plans:", [(p["rule"], p["domain"], p["total"], len(p["quarters"])) for p in a["plan"]])
PY
