#!/usr/bin/python3
"""tools/screen/patch_monge.py (patch Gram matching, issue 14 screen):

1. fold(unfold(F, k)) == F for k = 1, 3, 7 (borders included);
2. monge_map(Sc, Ss) = T is symmetric with T Sc T = Ss;
3. content = style gives back the content (the map is the identity);
4. on features with no spatial correlation and a style whose features are
   correlated along x, k = 3 brings the output's correlation between
   horizontal neighbours most of the way to the style's, k = 1 (the
   per-cell map the engine uses) leaves it near zero, and both match the
   style's per-cell second moment (features offset so the ReLU
   clamp never acts).

    test_patch_monge.py SOURCE_ROOT
"""
import os
import sys

import numpy as np

ROOT = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.join(ROOT, "tools", "screen"))
sys.path.insert(0, os.path.join(ROOT, "tests", "train"))
import patch_monge as pm  # noqa: E402
from checks import check, finish  # noqa: E402

rng = np.random.default_rng(3)

# 1. fold inverts unfold
F = rng.random((5, 9, 11))
for k in (1, 3, 7):
    err = np.abs(pm.fold(pm.unfold(F, k), 5, 9, 11, k) - F).max()
    check(err < 1e-12, "fold(unfold(F, %d)) == F (max error %.1e)" % (k, err))

# 2. the Monge map
A, B = rng.standard_normal((6, 40)), rng.standard_normal((6, 40)) * 3
Sc, Ss = pm.second_moment(A), pm.second_moment(B)
T = pm.monge_map(Sc, Ss)
rel = np.abs(T @ Sc @ T - Ss).max() / np.abs(Ss).max()
check(rel < 1e-9 and np.abs(T - T.T).max() < 1e-9, "T Sc T = Ss (rel %.1e), T symmetric" % rel)


def hcorr(G):
    """Correlation of horizontal neighbours over cells and channels, after
    removing each channel's mean."""
    G = G - G.mean(axis=(1, 2), keepdims=True)
    a, b = G[:, :, :-1].ravel(), G[:, :, 1:].ravel()
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


# 3. identity
Fs = np.abs(rng.standard_normal((8, 12, 14)))
for k in (1, 3):
    err = np.abs(pm.patch_monge(Fs, Fs, k, 0) - Fs).max() / Fs.max()
    check(err < 1e-6, "content = style: output = content (k %d, rel error %.1e)" % (k, err))

# 4. neighbour correlations
C, H, W = 4, 40, 48
Fc = 5.0 + rng.standard_normal((C, H, W))               # white in space
noise = rng.standard_normal((C, H, W + 4))
Fs = 5.0 + sum(noise[:, :, i:i + W] for i in range(5)) / np.sqrt(5)   # box along x
cs, cc = hcorr(Fs), hcorr(Fc)
o1 = pm.patch_monge(Fc, Fs, 1, 0)
o3 = pm.patch_monge(Fc, Fs, 3, 0)
c1, c3 = hcorr(o1), hcorr(o3)
check(cs > 0.7 and abs(cc) < 0.05, "set-up: style correlation %.2f, content %.2f" % (cs, cc))
check(abs(c1) < 0.1, "k = 1 keeps the content's (absent) neighbour correlation: %.3f" % c1)
check(c3 > 0.6 * cs, "k = 3 imposes the style's neighbour correlation: %.3f (style %.3f)" % (c3, cs))
for name, o in (("k = 1", o1), ("k = 3", o3)):
    S = pm.second_moment(o.reshape(C, -1))
    rel = np.abs(S - pm.second_moment(Fs.reshape(C, -1))).max() / np.abs(S).max()
    check(rel < (1e-6 if name == "k = 1" else 0.15),
          "%s: per-cell second moment is the style's (rel %.1e)" % (name, rel))
finish()
