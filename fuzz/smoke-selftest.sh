#!/usr/bin/env bash
# Self-test of fuzz/smoke.sh: runs it against a stub `cargo` that imitates cargo fuzz, and
# checks that it passes a clean run (and one that only left a slow-unit note) and fails on each
# kind of finding: a lone artifact (here a leak) with exit status 0, a non-zero exit without an artifact, and a run that printed no
# final statistics. Takes seconds; needs no fuzzer. Exits non-zero when smoke.sh misjudges.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/fuzz"
cp "$here/smoke.sh" "$here/seed.sh" "$work/fuzz/"
cp -r "$here/seeds" "$work/fuzz/seeds"
ln -s "$here/../rules" "$work/rules"
cat > "$work/bin/cargo" <<'STUB'
#!/usr/bin/env bash
case "$1 $2" in
  "fuzz build") exit 0 ;;
  "fuzz list") echo first; echo second ;;
  "fuzz run")
    t=$4
    echo "#1 INITED"
    if [ "$t" = second ]; then
      case "$MODE" in
        artifact) mkdir -p artifacts/second; echo x > artifacts/second/leak-0123 ;;
        slow) mkdir -p artifacts/second; echo x > artifacts/second/slow-unit-0123 ;;
        exit) echo "==1== ERROR: libFuzzer: deadly signal"; exit 77 ;;
        nostats) exit 0 ;;
      esac
    fi
    echo "stat::number_of_executed_units: 1234"
    exit 0 ;;
esac
exit 0
STUB
chmod +x "$work/bin/cargo"
fail=0
for mode in clean slow artifact exit nostats; do
  rm -rf "$work/fuzz/artifacts"
  status=0
  MODE=$mode PATH="$work/bin:$PATH" SMOKE_SECONDS=1 NETVET_CORPUS=/nonexistent \
    bash "$work/fuzz/smoke.sh" > "$work/log" 2>&1 || status=$?
  want=1; case "$mode" in clean | slow) want=0 ;; esac
  got=$(( status == 0 ? 0 : 1 ))
  if [ "$got" = "$want" ]; then
    echo "ok   smoke.sh on a $mode run exits $status"
  else
    echo "FAIL smoke.sh on a $mode run exits $status"; tail -5 "$work/log"; fail=1
  fi
done
exit $fail
