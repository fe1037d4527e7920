#!/usr/bin/python3
"""Golden values for tests/recon/test_preserve_colors.c (keeping the
content's colours, engine/preserve_colors.h), computed independently of the
engine in numpy float64: both images to full-range BT.601 YCbCr with the
JPEG matrix (offsets included), Y from the stylized result with Cb, Cr from
the content, back to R'G'B' with the matrix inverse; where that leaves
[0, 1], the chroma (Cb, Cr about 0.5) is scaled by the largest factor that
fits, found by bisection (the engine solves it in closed form).

Writes tests/data/recon/preserve_golden.txt (NAME COUNT, then COUNT numbers).
Run with Debian's python: /usr/bin/python3 tools/make_preserve_golden.py
"""
import os

import numpy as np

# JPEG (JFIF) full-range YCbCr from R'G'B' in [0, 1]
M = np.array([[0.299, 0.587, 0.114],
              [-0.168735892, -0.331264108, 0.5],
              [0.5, -0.418687589, -0.081312411]])
OFF = np.array([0.0, 0.5, 0.5])
MINV = np.linalg.inv(M)


def to_ycc(rgb):
    return rgb @ M.T + OFF


def to_rgb(ycc):
    return (ycc - OFF) @ MINV.T


def fits(rgb):
    return np.all(rgb >= -1e-12) and np.all(rgb <= 1 + 1e-12)


def keep_colors(out, content):
    yo, yc = to_ycc(out), to_ycc(content)
    res = np.empty_like(out)
    scale = np.ones(out.shape[:-1])
    for idx in np.ndindex(out.shape[:-1]):
        y, cb, cr = yo[idx][0], yc[idx][1], yc[idx][2]
        px = to_rgb(np.array([y, cb, cr]))
        t = 1.0
        if not fits(px):
            lo, hi = 0.0, 1.0
            for _ in range(200):
                mid = (lo + hi) / 2
                if fits(to_rgb(np.array([y, 0.5 + mid * (cb - 0.5), 0.5 + mid * (cr - 0.5)]))):
                    lo = mid
                else:
                    hi = mid
            t = lo
            px = to_rgb(np.array([y, 0.5 + t * (cb - 0.5), 0.5 + t * (cr - 0.5)]))
        res[idx] = np.clip(px, 0.0, 1.0)
        scale[idx] = t
    return res, scale


def main():
    rng = np.random.default_rng(20261202)
    w, h = 11, 7
    # content: mid-tone colours and a few saturated ones (those bind the gamut
    # when the result is much lighter or darker)
    content = 0.2 + 0.6 * rng.random((h, w, 3))
    content[0, :5] = [[1.0, 0.05, 0.0], [0.0, 0.9, 0.1], [0.05, 0.1, 1.0],
                      [1.0, 1.0, 0.0], [0.6, 0.0, 0.8]]
    content = content.astype(np.float32).astype(np.float64)
    out = rng.random((h, w, 3)).astype(np.float32).astype(np.float64)
    out[0, :5] = [[0.95, 0.95, 0.9], [0.05, 0.02, 0.0], [0.9, 0.9, 0.95],
                  [0.1, 0.1, 0.1], [0.5, 0.5, 0.5]]
    res, scale = keep_colors(out, content)
    ent = [("dims", [w, h]), ("content", content.ravel()), ("stylized", out.ravel()),
           ("out", res.ravel()), ("chroma_scale", scale.ravel())]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data",
                        "recon", "preserve_golden.txt")
    with open(path, "w") as f:
        for name, v in ent:
            v = np.asarray(v, dtype=np.float64).ravel()
            f.write("%s %d\n" % (name, v.size))
            f.write(" ".join(repr(float(x)) for x in v) + "\n")
    print("wrote", path, "; pixels with reduced chroma:", int((scale < 1).sum()))


if __name__ == "__main__":
    main()
