#!/usr/bin/python3
"""Golden values for tests/recon/test_color.c (the colour match of
engine/color_match.h), computed independently of the engine in numpy
float64: region weights by bilinear sampling of the grid masks at pixel
centres, weighted moments, and the Gaussian optimal-transport map by its
textbook form T = A^-1/2 (A^1/2 B A^1/2)^1/2 A^-1/2 with eigh (the engine
uses a Cholesky form), eigenvalues of T clamped to the maximum gain.

Writes tests/data/recon/color_golden.txt (NAME COUNT, then COUNT numbers).
Run with Debian's python: /usr/bin/python3 tools/make_color_golden.py
"""
import os

import numpy as np

RIDGE = 6e-5     # engine/color_match.h SST_COLOR_RIDGE
MAX_GAIN = 4.0   # SST_COLOR_MAX_GAIN
BLOCK = 4


def soft_grid(rng, K, gw, gh):
    g = rng.random((K, gh, gw)) ** 3 + 1e-3
    g[:, rng.random((gh, gw)) < 0.3] = 0.0
    g[0][g.sum(0) == 0] = 1.0
    return g / g.sum(0, keepdims=True)


def pixel_weights(grid, w, h):
    """(K, h, w) bilinear samples of grid (K, gh, gw) at pixel centres."""
    K, gh, gw = grid.shape
    out = np.zeros((K, h, w))
    for y in range(h):
        for x in range(w):
            gx = min(max((x + 0.5) / BLOCK - 0.5, 0.0), gw - 1.0)
            gy = min(max((y + 0.5) / BLOCK - 0.5, 0.0), gh - 1.0)
            x0, y0 = int(np.floor(gx)), int(np.floor(gy))
            x1, y1 = min(x0 + 1, gw - 1), min(y0 + 1, gh - 1)
            fx, fy = gx - x0, gy - y0
            out[:, y, x] = ((1 - fy) * ((1 - fx) * grid[:, y0, x0] + fx * grid[:, y0, x1]) +
                            fy * ((1 - fx) * grid[:, y1, x0] + fx * grid[:, y1, x1]))
    return out


def moments(img, wts):
    """[(w, mean(3), cov(3x3))] per region; img (h, w, 3), wts (K, h, w)."""
    x = img.reshape(-1, 3)
    res = []
    for wk in wts.reshape(len(wts), -1):
        W = wk.sum()
        mu = (wk[:, None] * x).sum(0) / W
        d = x - mu
        res.append((W, mu, (wk[:, None] * d).T @ d / W))
    return res


def psd_pow(M, p):
    ev, V = np.linalg.eigh(M)
    return (V * np.maximum(ev, 0) ** p) @ V.T


def color_map(src, dst, s):
    A = src[2] + RIDGE * np.eye(3)
    B = dst[2] + RIDGE * np.eye(3)
    Ah, Aih = psd_pow(A, 0.5), psd_pow(A, -0.5)
    T = Aih @ psd_pow(Ah @ B @ Ah, 0.5) @ Aih
    ev, V = np.linalg.eigh((T + T.T) / 2)
    T = (V * np.clip(ev, 0.0, MAX_GAIN)) @ V.T
    M = (1 - s) * np.eye(3) + s * T
    b = s * (dst[1] - T @ src[1])
    return M, b


def apply(img, wts, maps):
    out = np.zeros_like(img)
    for k, (M, b) in enumerate(maps):
        out += wts[k][..., None] * (img @ M.T + b)
    return np.clip(out, 0.0, 1.0)


def main():
    rng = np.random.default_rng(20261124)
    ent = []
    # case 1: two soft regions, style with its own two labels, crossed
    w, h, K, gw, gh = 13, 11, 2, 4, 3
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([0.3 + 0.3 * xx / w, 0.5 - 0.2 * yy / h, 0.4 + 0.0 * xx], -1)
    img = np.clip(img + 0.08 * rng.standard_normal((h, w, 3)), 0, 1).astype(np.float32).astype(np.float64)
    grid = soft_grid(rng, K, gw, gh).astype(np.float32).astype(np.float64)
    sw, sh, sgw, sgh = 9, 10, 3, 3
    sty = np.clip(rng.random((sh, sw, 3)) ** 2 * np.array([0.9, 0.6, 1.0]), 0, 1)
    sty = sty.astype(np.float32).astype(np.float64)
    sgrid = soft_grid(rng, 2, sgw, sgh).astype(np.float32).astype(np.float64)
    mo = moments(img, pixel_weights(grid, w, h))
    ms = moments(sty, pixel_weights(sgrid, sw, sh))
    mall = moments(sty, np.ones((1, sh, sw)))[0]
    match = [1, 0]  # content region k takes style label match[k]
    s = 0.7
    maps = [color_map(mo[k], ms[match[k]], s) for k in range(K)]
    out = apply(img, pixel_weights(grid, w, h), maps)
    ent += [("dims", [w, h, K, gw, gh, sw, sh, sgw, sgh]), ("strength", [s]),
            ("img", img.ravel()), ("grid", grid.ravel()), ("style", sty.ravel()),
            ("sgrid", sgrid.ravel()),
            ("moments_img", np.concatenate([[m[0], *m[1], *m[2].ravel()] for m in mo])),
            ("moments_style", np.concatenate([[m[0], *m[1], *m[2].ravel()] for m in ms])),
            ("moments_style_all", [mall[0], *mall[1], *mall[2].ravel()]),
            ("out", out.ravel())]
    # case 2: a nearly flat image (no masks) towards the whole style at
    # strength 1: the gain clamp binds
    w2, h2 = 6, 5
    flat = np.clip(np.array([0.5, 0.45, 0.4]) + 0.005 * rng.standard_normal((h2, w2, 3)), 0, 1)
    flat = flat.astype(np.float32).astype(np.float64)
    mf = moments(flat, np.ones((1, h2, w2)))[0]
    M, b = color_map(mf, mall, 1.0)
    ent += [("flat_dims", [w2, h2]), ("flat", flat.ravel()),
            ("flat_out", apply(flat, np.ones((1, h2, w2)), [(M, b)]).ravel()),
            ("flat_gain", [np.linalg.eigvalsh((M + M.T) / 2).max()])]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data",
                        "recon", "color_golden.txt")
    with open(path, "w") as f:
        for name, v in ent:
            v = np.asarray(v, dtype=np.float64).ravel()
            f.write("%s %d\n%s\n" % (name, v.size, " ".join("%.17g" % x for x in v)))
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
