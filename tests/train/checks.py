"""checks.py - the tally the training-script tests share: check() prints
one ok/FAIL line per property, finish() prints the count and exits
non-zero on any failure."""
import sys

failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures += 1


def finish():
    print("%d failure(s)" % failures)
    sys.exit(1 if failures else 0)
