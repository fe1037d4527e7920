#!/usr/bin/python3
"""Golden values for tests/recon/test_patch.c (the patch method,
engine/recon_patch.c), computed independently of the engine in numpy
float64, brute force: per region the weighted moments of both sides, the
leading eigenvectors of the mean centred covariance, each side whitened in
that subspace with its own moments (eigh), every content patch scored
against every style patch by normalised cross-correlation (first maximum
wins), the style's own features pasted and averaged, regions blended by
their weights, then blended with the content.  With a spread lambda > 0
the content patches are taken in the engine's fixed pseudo-random order
(xorshift64, Fisher-Yates, re-implemented here) and each takes the style
patch of largest normalised correlation minus its price, which grows by
lambda m / n per use.  With a brightness guide g > 0 every score also
loses g |zc - zs|: z is the window mean of a cell luminance map,
standardised by its own side's weighted region moments.  The generator
checks that no match is a near tie (so float32 in the engine picks the
same patch).

Writes tests/data/recon/patch_golden.txt: "cases 1 N", then per case i
lines ci_NAME COUNT followed by COUNT numbers.
Run with Debian's python: /usr/bin/python3 tools/make_patch_golden.py
"""
import os

import numpy as np

DIMS = 32            # engine/recon_patch.c PATCH_DIMS
RIDGE = 1e-2         # PATCH_RIDGE
STYLE_MAX = 4096     # STYLE_PATCHES_MAX
STRIDE = 2           # LATTICE_STRIDE (1 for patch size 1)
SEED = 0x9E3779B97F4A7C15  # SPREAD_SEED
MASK = (1 << 64) - 1


def spread_order(n):
    """The engine's member order: Fisher-Yates driven by xorshift64."""
    order = list(range(n))
    x = SEED
    for i in range(n - 1, 0, -1):
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
        t = x % (i + 1)
        order[i], order[t] = order[t], order[i]
    return order


def moments(f, w):
    W = w.sum()
    mu = (f * w).sum(1) / W
    cov = (f * w) @ f.T / W - np.outer(mu, mu)
    return mu, cov


def whitening(P, mu, cov):
    d = P.shape[0]
    Cp = P @ cov @ P.T
    ridge = RIDGE * (np.trace(Cp) / d if np.trace(Cp) > 0 else 1.0)
    l, U = np.linalg.eigh(Cp)
    l = np.maximum(l, 0.0)
    Wm = U @ np.diag(1.0 / np.sqrt(l + ridge)) @ U.T @ P
    return Wm, -Wm @ mu


def patch(proj, W, H, r, x, y):
    """proj (d, H, W); window at (x, y), coordinates clamped."""
    ys = np.clip(np.arange(y - r, y + r + 1), 0, H - 1)
    xs = np.clip(np.arange(x - r, x + r + 1), 0, W - 1)
    return proj[:, ys][:, :, xs].transpose(1, 2, 0).ravel()


def guide_z(g, w, W, H, r, x, y):
    """Window mean of g (H, W) at (x, y), clamped, standardised by the
    moments of g under weights w (the engine's recon_patch.c guide)."""
    m = (g.ravel() * w).sum() / w.sum()
    var = (g.ravel() ** 2 * w).sum() / w.sum() - m * m
    sd = np.sqrt(var) if var > 1e-8 else 1e-4
    ys = np.clip(np.arange(y - r, y + r + 1), 0, H - 1)
    xs = np.clip(np.arange(x - r, x + r + 1), 0, W - 1)
    return (g[ys][:, xs].mean() - m) / sd


def patch_swap(fc, W, H, wc, fs, Ws, Hs, ws, p, blend, spread=0.0,
               guide=0.0, gc=None, gs=None):
    """fc (C, N), wc (K, N), fs (C, M), ws (K, M), gc (N), gs (M): returns
    (C, N) and the smallest margin between best and second-best score."""
    C, N = fc.shape
    K = wc.shape[0]
    r = p // 2
    S = STRIDE if r > 0 else 1
    Lw, Lh = -(-W // S), -(-H // S)
    d = min(C, DIMS)
    sstride = 1
    while -(-(Ws - 2 * r) // sstride) * -(-(Hs - 2 * r) // sstride) > STYLE_MAX:
        sstride += 1
    acc = np.zeros((C, N))
    wsum = np.zeros(N)
    margin = np.inf
    for k in range(K):
        wk = wc[k]
        if wk.sum() <= 0:
            continue
        sw = ws[k] if ws[k].sum() > 0 else np.ones(fs.shape[1])
        mc, cc = moments(fc, wk)
        ms, cs = moments(fs, sw)
        l, V = np.linalg.eigh(0.5 * (cc + cs))
        P = V[:, -d:].T
        Wcm, bc = whitening(P, mc, cc)
        Wsm, bs = whitening(P, ms, cs)
        pc = (Wcm @ fc + bc[:, None]).reshape(d, H, W)
        ps = (Wsm @ fs + bs[:, None]).reshape(d, Hs, Ws)
        cand = []
        for rule in range(3):
            cand = [(sx, sy) for sy in range(r, Hs - r, sstride)
                    for sx in range(r, Ws - r, sstride)
                    if rule == 2 or (sw[sy * Ws + sx] >= 0.5 if rule == 0
                                     else sw[sy * Ws + sx] > 0)]
            if cand:
                break
        Sm = np.array([patch(ps, Ws, Hs, r, sx, sy) for sx, sy in cand])
        Sm /= np.linalg.norm(Sm, axis=1, keepdims=True)
        pen = np.zeros(len(cand))  # guide penalty of each style patch ...
        zs = np.zeros(len(cand))
        if guide > 0:
            zs = np.array([guide_z(gs.reshape(Hs, Ws), sw, Ws, Hs, r, sx, sy)
                           for sx, sy in cand])

        def penalty(x, y):  # ... for the content patch at (x, y)
            if guide <= 0:
                return pen
            zc = guide_z(gc.reshape(H, W), wk, W, H, r, x, y)
            return guide * np.abs(zc - zs)
        match = {}
        w2 = wk.reshape(H, W)
        members = [(lx * S, ly * S) for ly in range(Lh) for lx in range(Lw)
                   if (w2[max(ly * S - r, 0):ly * S + r + 1,
                          max(lx * S - r, 0):lx * S + r + 1] > 0).any()]
        if spread > 0:
            price = np.zeros(len(cand))
            step = spread * len(cand) / len(members)
            for i in spread_order(len(members)):
                x, y = members[i]
                cp = patch(pc, W, H, r, x, y)
                v = Sm @ cp / np.linalg.norm(cp) - price - penalty(x, y)
                order = np.argsort(-v, kind="stable")
                if len(v) > 1:
                    margin = min(margin, v[order[0]] - v[order[1]])
                best = int(np.argmax(v))
                price[best] += step
                match[(x, y)] = cand[best]
            members = []  # matched above
        for x, y in members:  # nearest patch (spread 0)
            cp = patch(pc, W, H, r, x, y)
            sc = Sm @ cp
            if guide > 0:  # scores in normalised units, as with spread
                sc = sc / np.linalg.norm(cp) - penalty(x, y)
            order = np.argsort(-sc, kind="stable")
            if len(sc) > 1:
                margin = min(margin, (sc[order[0]] - sc[order[1]]) /
                             max(abs(sc[order[0]]), 1e-12))
            match[(x, y)] = cand[int(np.argmax(sc))]
        for q in range(N):
            if wk[q] <= 0:
                continue
            x, y = q % W, q // W
            vals = []
            for (cx, cy), (sx, sy) in match.items():
                if abs(cx - x) <= r and abs(cy - y) <= r:
                    vals.append(fs[:, (sy + y - cy) * Ws + (sx + x - cx)])
            if vals:
                acc[:, q] += wk[q] * np.mean(vals, axis=0)
                wsum[q] += wk[q]
    o = np.where(wsum > 0, acc / np.where(wsum > 0, wsum, 1), fc)
    return fc + blend * (o - fc), margin


def soft_masks(rng, K, W, H):
    m = np.zeros((K, H, W))
    for k in range(K):  # vertical bands with a soft edge
        m[k, :, k * W // K:(k + 1) * W // K] = 1.0
    m = m + 0.15 * rng.random(m.shape) * (rng.random(m.shape) < 0.2)
    return (m / m.sum(0, keepdims=True)).reshape(K, -1)


def relu_features(rng, C, n, mix):
    z = rng.standard_normal((C, n)) + mix @ rng.standard_normal((mix.shape[1], n))
    return np.maximum(z + 0.3, 0.0).astype(np.float32).astype(np.float64)


def main():
    rng = np.random.default_rng(20261202)
    cases = [  # C, W, H, Ws, Hs, K, patch size, blend, style pairing,
               # spread, guide
        (6, 9, 7, 8, 6, 2, 3, 1.0, "pair0", 0.0, 0.0),
        (5, 8, 6, 7, 7, 1, 1, 0.6, "none", 0.0, 0.0),
        (40, 10, 8, 9, 8, 3, 3, 0.8, "pair0", 0.0, 0.0),
        (4, 11, 9, 10, 9, 2, 5, 1.0, "pair01", 0.0, 0.0),
        # spread: more content patches than style ones, so prices bite
        (6, 17, 13, 8, 7, 1, 3, 1.0, "none", 0.3, 0.0),
        (40, 16, 12, 9, 8, 2, 3, 0.7, "pair0", 1.0, 0.0),
        (5, 14, 11, 7, 7, 1, 1, 1.0, "none", 0.5, 0.0),
        # brightness guide, nearest and with spread
        (6, 10, 8, 9, 7, 2, 3, 1.0, "pair0", 0.0, 0.5),
        (8, 15, 12, 8, 8, 2, 3, 0.9, "pair01", 0.3, 0.3),
        (5, 12, 9, 7, 6, 1, 1, 1.0, "none", 0.0, 1.0),
    ]
    lines = [f"cases 1 {len(cases)}", ""]
    for i, (C, W, H, Ws, Hs, K, p, blend, pairing, spread,
            guide) in enumerate(cases):
        for attempt in range(50):
            mix = rng.standard_normal((C, 2))
            fc = relu_features(rng, C, W * H, mix)
            fs = relu_features(rng, C, Ws * Hs, mix * 1.5) * 2.0
            wc = (soft_masks(rng, K, W, H) if K > 1 else np.ones((1, W * H)))
            wc = wc.astype(np.float32).astype(np.float64)
            sm = soft_masks(rng, 2, Ws, Hs).astype(np.float32).astype(np.float64)
            ws = np.ones((K, Ws * Hs))   # unmatched: the whole style
            if pairing in ("pair0", "pair01"):
                ws[0] = sm[0]
            if pairing == "pair01":
                ws[1] = sm[1]
            # luminance maps in 0..1, float32 like the engine's
            gc = rng.random(W * H).astype(np.float32).astype(np.float64)
            gs = rng.random(Ws * Hs).astype(np.float32).astype(np.float64)
            out, margin = patch_swap(fc, W, H, wc, fs, Ws, Hs, ws, p, blend,
                                     spread, guide, gc, gs)
            if margin > 1e-3:
                break
        else:
            raise SystemExit(f"case {i}: no draw without near ties")
        print(f"case {i}: C={C} grid {W}x{H} style {Ws}x{Hs} K={K} p={p} "
              f"margin {margin:.2e}")
        def put(name, a):
            a = np.asarray(a, dtype=np.float64).ravel()
            lines.append(f"c{i}_{name} {a.size}")
            lines.append(" ".join(repr(float(v)) for v in a))
        put("dims", [C, W, H, Ws, Hs, K, p])
        put("blend", [blend])
        put("spread", [spread])
        put("guide", [guide])
        put("gc", gc)
        put("gs", gs)
        put("fc", fc)
        if K > 1:  # one region: no weights (the engine's NULL)
            put("wc", wc)
        put("fs", fs)
        put("ws", ws)
        put("out", out)
        lines.append("")
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "tests", "data", "recon", "patch_golden.txt")
    with open(os.path.normpath(path), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
