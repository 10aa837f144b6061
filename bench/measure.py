#!/usr/bin/env python3
"""Run a command and print its wall time (s) and peak RSS (MiB) as TSV: `seconds<TAB>mib`.

Usage: measure.py CMD ARGS...   (stdout/stderr of the command go to /dev/null unless
MEASURE_SHOW=1). A run that does not succeed is never a timing: when the command exits with a
status not in MEASURE_OK (space-separated, default "0"; netvet exits 1 for a fail verdict or
findings past --fail-on, which a benchmark may accept) or is killed by a signal, nothing is
printed on stdout, the reason goes to stderr, and the exit status is 1, so that `set -e` scripts
stop.
"""
import os, subprocess, sys, time

if len(sys.argv) < 2:
    sys.exit("usage: measure.py CMD ARGS...")
show = os.environ.get("MEASURE_SHOW") == "1"
ok = {int(x) for x in os.environ.get("MEASURE_OK", "0").split()}
t0 = time.monotonic()
try:
    p = subprocess.Popen(sys.argv[1:], stdout=None if show else subprocess.DEVNULL,
                         stderr=None if show else subprocess.PIPE)
except OSError as e:
    sys.exit(f"measure.py: cannot run {sys.argv[1]}: {e}")
err = p.stderr.read() if p.stderr else b""
_, status, ru = os.wait4(p.pid, 0)
dt = time.monotonic() - t0
code = os.waitstatus_to_exitcode(status)
if code < 0 or code not in ok:
    why = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
    tail = err.decode("utf-8", "replace")[-2000:]
    sys.stderr.write(f"measure.py: failed run ({why}): {' '.join(sys.argv[1:])}\n{tail}\n")
    sys.exit(1)
print(f"{dt:.3f}\t{ru.ru_maxrss / 1024:.0f}")
