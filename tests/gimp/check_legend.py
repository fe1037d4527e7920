#!/usr/bin/env python3
"""check_legend.py GIMP_LOG CONTENT_MAP.png STYLE_MAP.png

Compares the region legend the dialog showed first (its "legend: RRGGBB
KIND content=S style=S" debug lines, before any "new map layers" line) with
the maps' colours counted here with numpy at full size: the same colours,
the same kind (matched / unmatched / style-only; the test maps are painted
with exact colours, so pairing is equality), shares within 0.02 (the dialog
reads the maps at 128 px)."""
import re
import sys

import numpy as np
from PIL import Image

log, cpath, spath = sys.argv[1:]
shown = {}
for line in open(log, errors="replace"):
    if "new map layers:" in line:
        break
    m = re.search(r"legend: ([0-9a-f]{6}) (\S+) content=([\d.]+) style=([\d.]+)", line)
    if m:
        shown[m.group(1)] = (m.group(2), float(m.group(3)), float(m.group(4)))


def shares(path):
    a = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
    cols, counts = np.unique(a, axis=0, return_counts=True)
    return {"%02x%02x%02x" % tuple(c): n / len(a)
            for c, n in zip(cols, counts) if n / len(a) > 0.005}


cs, ss = shares(cpath), shares(spath)
want = {}
for c, v in cs.items():
    want[c] = ("matched", v, ss[c]) if c in ss else ("unmatched", v, 0.0)
for c, v in ss.items():
    if c not in cs:
        want[c] = ("style-only", 0.0, v)
print("# legend shown:", shown)
print("# expected:    ", {k: (w[0], round(w[1], 3), round(w[2], 3)) for k, w in want.items()})
fails = []
if set(shown) != set(want):
    fails.append("colours %s, expected %s" % (sorted(shown), sorted(want)))
for c in set(shown) & set(want):
    (k1, c1, s1), (k2, c2, s2) = shown[c], want[c]
    if k1 != k2 or abs(c1 - c2) > 0.02 or abs(s1 - s2) > 0.02:
        fails.append("%s: shown %s, expected %s" % (c, shown[c], want[c]))
if len({w[0] for w in want.values()}) < 2:
    fails.append("test maps too simple: only one kind of region")
for f in fails:
    print("FAIL - legend " + f)
print("ok - legend shows every colour with its kind and share" if not fails else "")
sys.exit(1 if fails else 0)
