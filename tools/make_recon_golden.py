#!/usr/bin/python3
"""Golden values for tests/recon/test_kernels.c, computed independently of
the engine in PyTorch float64 (S by the textbook formulas, the gradient by
autograd, the Gaussian MMD over all pixel pairs, sigma2 as the all-pairs mean
squared content-style distance).

Writes tests/data/recon/kernels_golden.txt: a sequence of
  NAME COUNT
  v1 v2 ... (COUNT numbers, %.17g)
Run with Debian's python: /usr/bin/python3 tools/make_recon_golden.py
"""
import os
import sys

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
C, N, M, K = 6, 20, 15, 2
BN_EPS = 1e-8


def inputs():
    rng = np.random.default_rng(20240601)
    fc = np.maximum(rng.standard_normal((C, N)) + 0.3, 0).astype(np.float32)
    fs = (3.0 * np.maximum(1.5 * rng.standard_normal((C, M)) + 0.5, 0)).astype(np.float32)
    w0 = (0.05 + 0.9 * rng.random(N)).astype(np.float32)
    wc = np.stack([w0, (1.0 - w0).astype(np.float32)])  # soft, all > 0
    ws0 = rng.random(M).astype(np.float32)
    ws0[[1, 4, 7, 10, 13]] = 0.0                      # partial style region
    ws = np.stack([ws0, np.zeros(M, np.float32)])      # empty -> whole style
    o = (fc / 1.0).astype(np.float64)                  # scaled below
    noise = 0.2 * rng.standard_normal((C, N))
    return fc, fs, wc, ws, o, noise


def moments(x, w):
    W = w.sum()
    mu = (x * w).sum(1) / W
    sig = (x * w) @ x.T / W
    return mu, sig


def sd(mu, sig):
    return torch.sqrt(torch.clamp(torch.diagonal(sig) - mu * mu, min=BN_EPS))


def sqdist(a, b):
    return ((a[:, :, None] - b[:, None, :]) ** 2).sum(0)


def S_of(kernel, poly_c, o, w, s, v, sigma2):
    mu_o, sig_o = moments(o, w)
    mu_s, sig_s = moments(s, v)
    if kernel == "linear":
        return ((mu_o - mu_s) ** 2).sum()
    if kernel == "poly":
        return (((sig_o - sig_s) ** 2).sum() + 2 * poly_c * ((mu_o - mu_s) ** 2).sum()) / C
    if kernel == "bn":
        return ((mu_o - mu_s) ** 2).sum() + ((sd(mu_o, sig_o) - sd(mu_s, sig_s)) ** 2).sum()
    if kernel == "gaussian":
        W, V = w.sum(), v.sum()
        k = lambda a, b: torch.exp(-sqdist(a, b) / (2 * sigma2))
        mmd = (w @ k(o, o) @ w) / W**2 - 2 * (w @ k(o, s) @ v) / (W * V) + (v @ k(s, s) @ v) / V**2
        return sigma2 * mmd
    raise ValueError(kernel)


CASES = [  # name, kernel, poly_c, fuse kernel, fuse weight
    ("linear", "linear", 0.0, None, 0.0),
    ("poly0", "poly", 0.0, None, 0.0),
    ("poly1", "poly", 1.0, None, 0.0),
    ("bn", "bn", 0.0, None, 0.0),
    ("gaussian", "gaussian", 0.0, None, 0.0),
    ("poly1_bn", "poly", 1.0, "bn", 0.5),
    ("bn_gaussian", "bn", 0.0, "gaussian", 2.0),
]


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = os.path.join(root, "tests", "data", "recon", "kernels_golden.txt")
    fc, fs, wc, ws, _, noise = inputs()
    f = lambda a: torch.tensor(a.astype(np.float64))
    scale = float(np.sqrt((fs.astype(np.float64) ** 2).sum() / (M * C)))
    c_sc, s_sc = f(fc) / scale, f(fs) / scale
    o_np = c_sc.numpy() + noise
    rows = []

    def put(name, arr):
        arr = np.asarray(arr, dtype=np.float64).ravel()
        rows.append("%s %d\n%s\n" % (name, arr.size, " ".join("%.17g" % x for x in arr)))

    put("dims", [C, N, M, K])
    put("fc", fc)
    put("fs", fs)
    put("wc", wc)
    put("ws", ws)
    put("o", o_np)
    put("scale", [scale])
    for k in range(K):
        w = f(wc[k])
        v = f(ws[k]) if ws[k].sum() > 0 else torch.ones(M)
        mu_c, sig_c = moments(c_sc, w)
        mu_s, sig_s = moments(s_sc, v)
        sigma2 = float((w @ sqdist(c_sc, s_sc) @ v) / (w.sum() * v.sum()))
        put("mu_c%d" % k, mu_c)
        put("sig_c%d" % k, sig_c)
        put("mu_s%d" % k, mu_s)
        put("sig_s%d" % k, sig_s)
        put("sigma2_%d" % k, [sigma2])
        for name, kern, pc, fuse, fw in CASES:
            o = torch.tensor(o_np, requires_grad=True)
            S = S_of(kern, pc, o, w, s_sc, v, sigma2)
            if fuse:
                S = S + fw * S_of(fuse, pc, o, w, s_sc, v, sigma2)
            S.backward()
            put("S_%s_%d" % (name, k), [float(S)])
            put("grad_%s_%d" % (name, k), o.grad.numpy())
    with open(out, "w") as fh:
        fh.write("".join(rows))
    print("wrote", out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    sys.exit(main())
