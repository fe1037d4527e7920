"""Gram matching of k x k feature patches (a candidate reconstruction for
issue 14), numpy float64.

Why: the engine's statistics method maps every relu3_1 cell on its own
(target = A F_c + b), so it can recolour a cell but not lay a stroke across
cells (weights/SCREENING.md, "Through the engine's path").  Matching the
second moments of k x k *patches* of cells instead makes the map a spatial
filter: the style's correlations between neighbouring cells (the direction
and length of its marks) are imposed on the content, still in closed form,
without a patch search.

Steps (one region, the whole image):
1. the engine's per-cell map: the uncentred Gaussian optimal-transport
   (Monge) map from the content's second moment to the style's;
2. the d leading principal directions P of the pooled per-cell moments
   (k x k x C numbers a patch would be too many for C = 256);
3. the same Monge map on the k x k patches of P^T F (k*k*d numbers each);
4. the patches folded back (each cell the mean of the patches that cover
   it), and the change added to the per-cell result in the span of P.
"""
import numpy as np


def _eigh_floored(M, rel_floor=1e-10):
    """Eigenvalues and vectors of the symmetric part of M, the eigenvalues
    below rel_floor x the largest raised to it (so negative powers exist)."""
    ev, V = np.linalg.eigh((M + M.T) / 2)
    return np.clip(ev, max(ev.max(), 0.0) * rel_floor, None), V


def psd_pow(M, p):
    """M^p of a symmetric positive semi-definite matrix (_eigh_floored)."""
    ev, V = _eigh_floored(M)
    return (V * ev ** p) @ V.T


def monge_map(Sc, Ss):
    """T with T Sc T = Ss, T symmetric positive definite: the optimal transport
    map between centred Gaussians of second moments Sc and Ss, used here on
    uncentred moments as the engine does (monge.c)."""
    ev, V = _eigh_floored(Sc)                  # one factorisation for both powers
    h, hi = (V * ev ** 0.5) @ V.T, (V * ev ** -0.5) @ V.T
    return hi @ psd_pow(h @ Ss @ h, 0.5) @ hi


def second_moment(X):
    """X: (D, N) columns = samples."""
    return X @ X.T / X.shape[1]


def unfold(F, k):
    """(C, H, W) -> (k*k*C, H*W): the k x k neighbourhood of every cell,
    reflection-padded at the borders (as the encoder pads)."""
    C, H, W = F.shape
    r = k // 2
    P = np.pad(F, ((0, 0), (r, r), (r, r)), mode="reflect")
    cols = [P[:, dy:dy + H, dx:dx + W] for dy in range(k) for dx in range(k)]
    return np.concatenate(cols, 0).reshape(k * k * C, H * W)


def fold(X, C, H, W, k):
    """Inverse of unfold for consistent patches: every cell is the mean of
    the values the patches place on it (positions that fall in the padding
    are dropped, so border cells average fewer patches)."""
    r = k // 2
    X = X.reshape(k * k, C, H, W)
    acc = np.zeros((C, H + 2 * r, W + 2 * r))
    cnt = np.zeros((H + 2 * r, W + 2 * r))
    i = 0
    for dy in range(k):
        for dx in range(k):
            acc[:, dy:dy + H, dx:dx + W] += X[i]
            cnt[dy:dy + H, dx:dx + W] += 1
            i += 1
    return acc[:, r:r + H, r:r + W] / cnt[r:r + H, r:r + W]


def patch_monge(Fc, Fs, k, dims):
    """Target feature for content features Fc (C, H, W) in the style of Fs
    (C, Hs, Ws): per-cell Monge map, then the k x k patch Monge map in the
    span of the `dims` leading directions (k = 1: the per-cell map only).
    Features are divided by the style's RMS (as recon_stats.c does) and
    scaled back; ReLU features stay >= 0."""
    C, H, W = Fc.shape
    s = np.sqrt((Fs ** 2).mean())
    Xc, Xs = Fc.reshape(C, -1) / s, Fs.reshape(C, -1) / s
    F1 = monge_map(second_moment(Xc), second_moment(Xs)) @ Xc
    if k > 1:
        d = min(dims or C, C)
        _, V = np.linalg.eigh(second_moment(F1) + second_moment(Xs))
        P = V[:, -d:]
        Z = (P.T @ F1).reshape(d, H, W)
        Zs = (P.T @ Xs).reshape(d, Fs.shape[1], Fs.shape[2])
        Uc, Us = unfold(Z, k), unfold(Zs, k)
        Y = monge_map(second_moment(Uc), second_moment(Us)) @ Uc
        F1 = F1 + P @ (fold(Y, d, H, W, k).reshape(d, -1) - Z.reshape(d, -1))
    return np.maximum(F1.reshape(C, H, W) * s, 0.0)
