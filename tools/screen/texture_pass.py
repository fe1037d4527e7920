"""A pixel-space texture pass over the engine's result (issue 14 screen).

The engine's statistics method recolours each relu3_1 cell on its own, so
its result is the photo colour-graded: no mark of the painting crosses a
cell.  This pass lays the painting's own pixels over that result, coarse
to fine, by patch-based texture optimisation (Kwatra et al. 2005, "Texture
optimization for example-based synthesis"; used for style transfer by
Elad & Milanfar 2017): at each scale, every patch of the current image on
a grid is replaced by its nearest style patch (PCA-reduced, k-d tree),
overlapping patches are averaged with robust weights (IRLS, so one bad
match does not smear), and the average is fused with the engine's result
so shapes stay where the photo has them.

No learning, no neural features: the style's marks are copied, not
described, so it works with any encoder.  Screening code (numpy float64,
scipy), not the engine.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image
from scipy.ndimage import gaussian_filter
from scipy.spatial import cKDTree


def grid(n, p, stride):
    """Patch origins along one side: every `stride` px, plus the last one so
    the far border is covered."""
    g = list(range(0, n - p + 1, stride))
    if g[-1] != n - p:
        g.append(n - p)
    return np.array(g)


def take_patches(img, p, ys, xs):
    """(len(ys) * len(xs), p*p*C) patches with origins on the grid ys x xs."""
    v = sliding_window_view(img, (p, p), axis=(0, 1))  # H', W', C, p, p
    return v[ys][:, xs].reshape(len(ys) * len(xs), -1)


def place(patches, p, ys, xs, weights, shape, best=False):
    """Overlapping patches back into an image: their weighted average, or
    (best) each pixel from the covering patch of highest weight, which
    keeps the style's marks sharp where the average of disagreeing patches
    would blur them."""
    h, w, c = shape
    acc = np.zeros(shape)
    wsum = np.zeros((h, w, 1))
    pt = patches.reshape(len(ys), len(xs), c, p, p)
    wt = weights.reshape(len(ys), len(xs), 1)
    yy, xx = np.meshgrid(ys, xs, indexing="ij")
    for dy in range(p):
        for dx in range(p):
            # grid origins are distinct, so each patch lands once per offset
            at = (yy + dy, xx + dx)
            if best:
                win = wt > wsum[at]
                acc[at] = np.where(win, pt[:, :, :, dy, dx], acc[at])
                wsum[at] = np.where(win, wt, wsum[at])
            else:
                acc[at] += pt[:, :, :, dy, dx] * wt
                wsum[at] += wt
    return acc if best else acc / np.maximum(wsum, 1e-12)


class StyleIndex:
    """The style's patches of one size at one scale on a regular grid of
    step `stride`, PCA-reduced in a k-d tree.  `mask` (the style's size,
    bool) keeps the patches that lie in a region.  Ids are flat
    grid positions, so a neighbour's match shifted by the grid offset is a
    valid id too (the coherent candidates)."""

    def __init__(self, style, p, stride, dims, mask=None):
        self.step = stride
        self.ys = np.arange(0, style.shape[0] - p + 1, stride)
        self.xs = np.arange(0, style.shape[1] - p + 1, stride)
        self.patches = take_patches(style, p, self.ys, self.xs).astype(np.float32)
        if mask is None:
            valid = np.ones((len(self.ys), len(self.xs)), bool)
        else:
            # patches almost all inside the region, so a region's marks do
            # not bring its neighbour's colours; a region too thin for any
            # falls back to the patches centred in it
            inside = sliding_window_view(mask.astype(np.float32), (p, p))[self.ys][:, self.xs].mean((2, 3))
            valid = inside >= 0.9
            if not valid.any():
                valid = mask[self.ys[:, None] + p // 2, self.xs[None, :] + p // 2]
        self.valid = valid
        self.ids = np.flatnonzero(valid)
        full = self.patches[self.ids]
        self.mean = full.mean(0) if len(full) else 0
        if len(full):
            _, _, vt = np.linalg.svd(full[:: max(1, len(full) // 4000)] - self.mean, full_matrices=False)
            self.basis = vt[:dims].T
            self.tree = cKDTree((full - self.mean) @ self.basis)

    def nearest(self, q):
        _, i = self.tree.query((q - self.mean) @ self.basis, k=1, eps=1.0)
        return self.ids[i]

    def shifted(self, ids, dy, dx):
        """ids moved by (dy, dx) px (rounded to the grid); -1 where that
        leaves the grid or the region."""
        ny, nx = self.valid.shape
        iy, ix = ids // nx + int(round(dy / self.step)), ids % nx + int(round(dx / self.step))
        ok = (ids >= 0) & (iy >= 0) & (iy < ny) & (ix >= 0) & (ix < nx)
        out = np.where(ok, np.clip(iy, 0, ny - 1) * nx + np.clip(ix, 0, nx - 1), -1)
        return np.where((out >= 0) & self.valid.reshape(-1)[np.maximum(out, 0)], out, -1)


def coherent_ids(idx, q, nn, prev, ys, xs, kappa):
    """Per query patch (grid ys x xs, flat), the style id among the nearest
    `nn` and its 4 neighbours' previous matches shifted by the grid offset:
    a shifted candidate wins unless the nearest is more than (1 + kappa)
    times closer (Ashikhmin 2001; Hertzmann et al. 2001), so neighbouring
    patches copy one continuous piece of the painting and their average
    stays sharp."""
    ny, nx = len(ys), len(xs)
    best = nn.copy()
    bestd = ((idx.patches[nn] - q) ** 2).sum(1) * (1 + kappa)
    grid_prev = prev.reshape(ny, nx)
    for ay, ax in ((0, -1), (0, 1), (-1, 0), (1, 0)):
        nb = np.full((ny, nx), -1)
        dy = np.zeros((ny, nx))
        dx = np.zeros((ny, nx))
        sy, sx = slice(max(0, -ay), ny - max(0, ay)), slice(max(0, -ax), nx - max(0, ax))
        ty, tx = slice(max(0, ay), ny - max(0, -ay)), slice(max(0, ax), nx - max(0, -ax))
        # the candidate for (i, j) comes from the neighbour at (i + ay, j + ax)
        nb[sy, sx] = grid_prev[ty, tx]
        dy[sy, sx] = (ys[sy, None] - ys[ty, None]) + 0 * xs[None, sx]
        dx[sy, sx] = (xs[None, sx] - xs[None, tx]) + 0 * ys[sy, None]
        for sdy in np.unique(dy):
            for sdx in np.unique(dx):
                m = (dy == sdy) & (dx == sdx) & (nb >= 0)
                if not m.any():
                    continue
                cand = idx.shifted(nb[m], sdy, sdx)
                flat = np.flatnonzero(m)
                okc = cand >= 0
                flat, cand = flat[okc], cand[okc]
                d = ((idx.patches[cand] - q[flat]) ** 2).sum(1)
                win = d < bestd[flat]
                best[flat[win]] = cand[win]
                bestd[flat[win]] = d[win]
    return best


def resize(a, hw):
    if a.shape[:2] == tuple(hw):
        return a.copy()
    chans = [np.asarray(Image.fromarray(a[:, :, i].astype(np.float32)).resize(
        (hw[1], hw[0]), Image.BICUBIC), np.float64) for i in range(a.shape[2])]
    return np.stack(chans, 2)  # bicubic may overshoot [0, 1]: callers clip


def texture_pass(base, style, sides=(128, 256, 512), patch=8, stride=4, iters=5, w_base=0.5,
                 dims=24, robust=0.8, content_masks=None, style_masks=None, best_last=False,
                 kappa=0.0, fuse_sigma=0.0):
    """base: the engine's result, style: the style image (H x W x 3 in
    [0, 1], any sizes).  Per level (the base's long side in px, 0 = its
    own size; never above it; the style scaled by the same factor, so a
    mark keeps its size relative to the picture), `iters` rounds of: nearest style patch for every grid
    patch, robust overlap average, fusion (avg + w_base * base) / (1 +
    w_base).  content_masks / style_masks: matching lists of bool maps
    (regions); a patch is matched within its centre's region only.
    Returns the result at the base's size."""
    x = None
    long_side = max(base.shape[:2])
    scales = [min(1.0, side / long_side) if side else 1.0 for side in sides]
    w_bases = np.broadcast_to(np.asarray(w_base, float), (len(scales),))
    for level, sc in enumerate(scales):
        hw = (max(patch, round(base.shape[0] * sc)), max(patch, round(base.shape[1] * sc)))
        shw = (max(patch, round(style.shape[0] * sc)), max(patch, round(style.shape[1] * sc)))
        b = np.clip(resize(base, hw), 0, 1)
        s = np.clip(resize(style, shw), 0, 1)
        x = b.copy() if x is None else resize(x, hw)
        regions = [(None, None)] if content_masks is None else [
            (resize(cm[:, :, None].astype(float), hw)[:, :, 0] > 0.5,
             resize(sm[:, :, None].astype(float), shw)[:, :, 0] > 0.5)
            for cm, sm in zip(content_masks, style_masks)]
        indexes = [StyleIndex(s, patch, max(1, stride // 2), dims, smask) for _, smask in regions]
        ys, xs = grid(hw[0], patch, stride), grid(hw[1], patch, stride)
        prev = [np.full(len(ys) * len(xs), -1) for _ in regions]
        for it in range(iters):
            q = take_patches(x, patch, ys, xs)
            z = q.copy()
            for r, ((cmask, _), idx) in enumerate(zip(regions, indexes)):
                sel = np.ones(len(q), bool) if cmask is None else \
                    cmask[ys[:, None] + patch // 2, xs[None, :] + patch // 2].reshape(-1)
                if not sel.any() or not len(idx.ids):
                    continue
                ids = np.full(len(q), -1)
                ids[sel] = idx.nearest(q[sel])
                if kappa > 0:
                    ids = np.where(sel, coherent_ids(idx, q, np.maximum(ids, 0), np.where(sel, prev[r], -1),
                                                     ys, xs, kappa), -1)
                prev[r] = ids
                z[sel] = idx.patches[ids[sel]]
            d2 = ((q - z) ** 2).sum(1)
            wts = (d2 + 1e-6) ** ((robust - 2) / 2)
            last = best_last and level == len(scales) - 1 and it == iters - 1
            avg = place(z, patch, ys, xs, wts, x.shape, best=last)
            x = (avg + w_bases[level] * b) / (1 + w_bases[level])
            if fuse_sigma > 0:
                # and below fuse_sigma px the base's own layout, while the
                # copied marks keep their fine detail
                lo = lambda a: gaussian_filter(a, (fuse_sigma, fuse_sigma, 0))  # noqa: E731
                x += lo(b) - lo(x)
    if x.shape != base.shape:
        # the last level is smaller than the base: bring back only what the
        # pass changed, so the base keeps its own full-size detail
        x = base + resize(x - b, base.shape[:2])
    return np.clip(x, 0, 1)
