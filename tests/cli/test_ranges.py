#!/usr/bin/python3
"""Every CLI setting of the engine's table (printed by settings_dump) is
refused just outside its range with exactly one "sst-stylize: error: --NAME"
line, exit status 1 and no output file, and accepted at its bounds (the
run then gets as far as reading the content image, which does not exist,
so no image is processed).  Choice settings: every choice accepted, an
unknown name refused.  A row with a step: every value on it accepted, the
values between refused.

usage: test_ranges.py SST_STYLIZE SETTINGS_DUMP"""
import json
import os
import subprocess
import sys
import tempfile

cli, dump = sys.argv[1], sys.argv[2]
rows = [json.loads(line) for line in subprocess.run(
    [dump], check=True, capture_output=True, text=True).stdout.splitlines()]
tmp = tempfile.mkdtemp()
out = os.path.join(tmp, "out.png")
missing = os.path.join(tmp, "no-such-content.png")
fails = 0


# Options that are valid only together with another one.
NEEDS = {"fuse-weight": ["--fuse", "linear"]}


def run(option, value):
    value = [] if value is None else [value]  # None: a flag
    r = subprocess.run([cli, missing, missing, "-o", out, "--" + option] + value +
                       NEEDS.get(option, []),
                       capture_output=True, text=True)
    return r.returncode, r.stderr.splitlines()


def expect_refused(option, value):
    global fails
    rc, err = run(option, value)
    good = (rc == 1 and len(err) == 1 and not os.path.exists(out) and
            err[0].startswith("sst-stylize: error: ") and "--" + option in err[0])
    print("%s: --%s %s -> %s" % ("ok" if good else "FAIL", option, value, err))
    fails += not good


def expect_accepted(option, value):
    """Past the options: the only complaint is the missing content file."""
    global fails
    rc, lines = run(option, value)
    err = [l for l in lines if "error:" in l]  # "note:" lines may come too
    good = rc == 1 and len(err) == 1 and "no-such-content" in err[0]
    print("%s: --%s %s accepted -> %s" % ("ok" if good else "FAIL", option, value or "", err))
    fails += not good


def num(v, is_int):
    return str(int(v)) if is_int else repr(float(v))


checked = 0
for row in rows:
    opt = row["cli"]
    if not opt:
        continue
    checked += 1
    if row["type"] == "bool":  # a flag: accepted without a value
        expect_accepted(opt, None)
        continue
    if row["type"] == "choice":
        for c in row["choices"]:
            expect_accepted(opt, c["name"])
        expect_refused(opt, "no-such-" + opt)
        continue
    is_int = row["type"] == "int"
    lo, hi = row["min"], row["max"]
    step = 1 if is_int else max(1e-3, 1e-6 * abs(hi))
    for v in (lo, hi):
        expect_accepted(opt, num(v, is_int))
    for v in (lo - step, hi + step):
        if not any(n["value"] == v for n in row["names"]):
            expect_refused(opt, num(v, is_int))
    expect_refused(opt, "abc")
    if is_int:
        expect_refused(opt, "%d.5" % lo)
    for n in row["names"]:
        expect_accepted(opt, n["name"])
    # A row with a step (the odd patch size): every value on it accepted,
    # the ones between two steps refused with the same one line.
    if row["step"] > 0:
        v = lo
        while v <= hi:
            expect_accepted(opt, num(v, is_int))
            if v + row["step"] / 2 < hi:
                expect_refused(opt, num(v + row["step"] / 2, is_int))
            v += row["step"]

if checked < 10:
    print("FAIL: only %d CLI settings in the table" % checked)
    fails += 1
print("cli ranges: %d setting(s), %d failure(s)" % (checked, fails))
sys.exit(fails != 0)
