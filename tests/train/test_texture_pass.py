#!/usr/bin/python3
"""tools/screen/texture_pass.py (pixel-space texture pass, issue 14 screen):

1. place(take_patches(img)) gives img back, averaged and best-of, borders
   included (the grid's last origin);
2. StyleIndex.nearest finds a style patch exactly; shifted() moves an id
   along the grid and gives -1 off the grid or outside the region;
3. coherent_ids: with wrong nearest matches and the neighbours' previous
   matches right, every patch takes the right (shifted) match; with a
   kappa too small to prefer them, a candidate no closer than the nearest
   loses;
4. texture_pass lays the style's marks: a flat base and a style of
   vertical stripes give vertical stripes (strong change along x, none
   along y), in the style's colours, at the base's size;
5. regions: the left half matched to the red stripes of the style's top,
   the right half to its green stripes, and neither takes the other's
   colour;
6. fuse_sigma keeps the base's layout below sigma px: a base dark on the
   left and light on the right stays so under the stripes (without it the
   stripes' colours flatten both halves alike).

    test_texture_pass.py SOURCE_ROOT
"""
import os
import sys

import numpy as np

ROOT = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.join(ROOT, "tools", "screen"))
sys.path.insert(0, os.path.join(ROOT, "tests", "train"))
import texture_pass as tp  # noqa: E402
from checks import check, finish  # noqa: E402

rng = np.random.default_rng(5)

# 1. place inverts take_patches
img = rng.random((37, 29, 3))
for p, stride in ((8, 4), (5, 5), (6, 2)):
    ys, xs = tp.grid(37, p, stride), tp.grid(29, p, stride)
    pt = tp.take_patches(img, p, ys, xs)
    w = rng.random(len(pt)) + 0.1
    for best in (False, True):
        err = np.abs(tp.place(pt, p, ys, xs, w, img.shape, best=best) - img).max()
        check(err < 1e-12, "place(take_patches(img)) == img, p %d stride %d best %s (max error %.1e)"
              % (p, stride, best, err))

# 2. the style index
style = rng.random((40, 50, 3))
idx = tp.StyleIndex(style, 8, 2, 24)
ny, nx = idx.valid.shape
want = np.array([0, 5, nx + 3, ny * nx - 1])
q = idx.patches[want].astype(np.float64)
check(np.array_equal(idx.nearest(q), want), "nearest finds each style patch itself")
sh = idx.shifted(np.array([0, nx - 1, nx + 3]), 0, 4)
check(sh[0] == 2 and sh[1] == -1 and sh[2] == nx + 5, "shifted by 4 px = 2 grid steps (%s)" % sh)
sh = idx.shifted(np.array([nx + 3]), -4, 0)
check(sh[0] == -1, "shifted above the grid gives -1")
top = np.zeros((40, 50), bool)
top[:20] = True
idx_top = tp.StyleIndex(style, 8, 2, 24, top)
sh = idx_top.shifted(np.array([3]), 20, 0)
check(sh[0] == -1 and idx_top.valid.sum() < ny * nx, "a shift out of the region gives -1")

# 3. coherent candidates: the content is a crop of the style at (6, 10)
crop = style[6:6 + 24, 10:10 + 30]
ys, xs = tp.grid(24, 8, 4), tp.grid(30, 8, 4)
q = tp.take_patches(crop, 8, ys, xs).astype(np.float32).astype(np.float64)
right = (((ys[:, None] + 6) // 2) * nx + (xs[None, :] + 10) // 2).reshape(-1)
check(np.abs(idx.patches[right] - q).max() < 1e-6, "the crop's patches are the style's at (6, 10)")
wrong = np.zeros(len(q), int)
got = tp.coherent_ids(idx, q, wrong, right, ys, xs, 0.0)
check(np.array_equal(got, right), "coherent_ids: the neighbours' shifted matches win over a wrong nearest")
noisy = q + rng.normal(0, 0.01, q.shape)
far = np.roll(right, 1)  # previous matches one patch off: worse than the nearest
got = tp.coherent_ids(idx, noisy, right, far, ys, xs, 0.0)
check(np.array_equal(got, right), "coherent_ids with kappa 0: a worse coherent candidate loses")

# 4. stripes
period = np.arange(64) % 6 < 3
red, blue = np.array([0.9, 0.1, 0.1]), np.array([0.1, 0.1, 0.9])
stripes = np.where(period[None, :, None], red, blue) * np.ones((48, 64, 1))
base = np.full((40, 56, 3), 0.5) + rng.normal(0, 0.02, (40, 56, 3))
out = tp.texture_pass(base, stripes, sides=(0,), iters=4, w_base=0.05, kappa=0.5)
gx = np.abs(np.diff(out, axis=1)).mean()
gy = np.abs(np.diff(out, axis=0)).mean()
check(out.shape == base.shape and gx > 0.2 and gx > 8 * gy,
      "a flat base takes the style's vertical stripes (mean |dx| %.3f, |dy| %.3f)" % (gx, gy))
check(out[:, :, 1].max() < 0.2, "in the style's colours (green at most %.3f)" % out[:, :, 1].max())

# 5. regions: the style's top half red/white stripes, bottom half green/black
s2 = np.zeros((48, 64, 3))
s2[:24] = np.where(period[None, :, None], [1.0, 0.0, 0.0], [1.0, 1.0, 1.0])
s2[24:] = np.where(period[None, :, None], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0])
smask_top = np.zeros((48, 64), bool)
smask_top[:24] = True
cmask_left = np.zeros((40, 56), bool)
cmask_left[:, :28] = True
out = tp.texture_pass(base, s2, sides=(0,), iters=3, w_base=0.05, kappa=0.5,
                      content_masks=[cmask_left, ~cmask_left], style_masks=[smask_top, ~smask_top])
left, rightside = out[:, :20], out[:, 36:]
check(left[:, :, 0].mean() > 0.8 and left[:, :, 1].mean() < 0.7,
      "left region: red/white (R %.2f G %.2f)" % (left[:, :, 0].mean(), left[:, :, 1].mean()))
check(rightside[:, :, 0].mean() < 0.2 and rightside[:, :, 2].mean() < 0.2,
      "right region: green/black (R %.2f B %.2f)" % (rightside[:, :, 0].mean(), rightside[:, :, 2].mean()))

# 6. fuse_sigma: the base's low-pass layout under the copied marks
base2 = np.full((40, 56, 3), 0.3) + rng.normal(0, 0.02, (40, 56, 3))
base2[:, 28:] += 0.4
steps = []
for sigma in (0.0, 2.0):
    out = tp.texture_pass(base2, stripes, sides=(0,), iters=4, w_base=0.05, kappa=0.5, fuse_sigma=sigma)
    steps.append(out[:, 36:].mean() - out[:, :20].mean())
    gx = np.abs(np.diff(out[:, :, 0], axis=1)).mean()
    check(gx > 0.2, "fuse_sigma %.0f: the stripes stay (mean |dx| %.3f)" % (sigma, gx))
check(steps[1] > 0.3 and steps[0] < 0.1,
      "fuse_sigma 2 keeps the base's dark/light step (%.2f), none without it (%.2f)" % (steps[1], steps[0]))

finish()
