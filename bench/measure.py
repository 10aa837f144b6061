#!/usr/bin/env python3
"""Run a command and print its wall time (s) and peak RSS (MiB) as TSV: `seconds<TAB>mib`.

Usage: measure.py CMD ARGS...   (stdout/stderr of the command go to /dev/null unless
MEASURE_SHOW=1). Exit status: that of the command.
"""
import os, resource, subprocess, sys, time

show = os.environ.get("MEASURE_SHOW") == "1"
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=None if show else subprocess.DEVNULL,
                     stderr=None if show else subprocess.DEVNULL)
_, status, ru = os.wait4(p.pid, 0)
dt = time.monotonic() - t0
print(f"{dt:.3f}\t{ru.ru_maxrss / 1024:.0f}")
sys.exit(os.waitstatus_to_exitcode(status) if os.waitstatus_to_exitcode(status) >= 0 else 1)
