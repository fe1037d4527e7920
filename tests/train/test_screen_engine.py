#!/usr/bin/python3
"""tools/screen/engine_recon.py, the numpy float64 mirror of the engine's
default reconstruction that tools/screen/screen_engine_path.py inverts.

    test_screen_engine.py SOURCE_ROOT RECON_DUMP

1. The Monge map: T Sigma_c T = Sigma_s and T symmetric (float64, the
   defining property, not the formula it is computed by).
2. The mirror's target against the engine's own (RECON_DUMP links the
   engine: sst_recon_stats_new + sst_reconstruct, one region) on ReLU-like
   random features and on the shipped encoder's relu3_1 of two small
   images: poly at the screening setting (c 0, gamma 30, 10 iterations), gamma 3000, c 1,
   and 0 iterations (the content itself).  The engine runs three products
   in float32, so the bound is relative 1e-4, not bit equality.
3. The descent never raises J above the warm start's.
4. screen_engine_path's pieces: its features are relu3_1 of the decoders'
   training encoder (sst_torch.Encoder); the inversion lowers the relative feature
   loss from a blurred start and leaves the optimum (start = the image whose
   features are the target) at loss 0; the colour match gives the output
   the style's RGB mean and covariance (numpy moments of the written PNG,
   to 8-bit rounding); the patch target (the engine's patch method through
   RECON_DUMP) is made of pasted style features: every target value lies
   within its channel's range over the style, and it is not the content.

Needs /usr/bin/python3 with torch, numpy; FAILS (never skips) without them.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.abspath(sys.argv[1])
DUMP = sys.argv[2]
for sub in ("tools", "tools/train", "tools/screen"):
    sys.path.insert(0, os.path.join(ROOT, sub))
import candidates  # noqa: E402
import engine_recon  # noqa: E402
import screen_engine_path as sep  # noqa: E402
import sst_torch  # noqa: E402
from PIL import Image  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402


def engine_target(fc, fs, gamma, poly_c, iterations, tmp):
    fc = np.ascontiguousarray(fc, np.float32)
    fs = np.ascontiguousarray(fs, np.float32)
    inp, out = os.path.join(tmp, "in.bin"), os.path.join(tmp, "out.bin")
    with open(inp, "wb") as f:
        f.write(np.array([fc.shape[0], fc.shape[1], fs.shape[1]], np.int32).tobytes())
        f.write(fc.tobytes())
        f.write(fs.tobytes())
    subprocess.run([DUMP, inp, out, "poly", repr(gamma), repr(poly_c), str(iterations)],
                   check=True)
    return np.fromfile(out, np.float32).reshape(fc.shape)


def relu_features(rng, C, n, scale, shift):
    mix = rng.standard_normal((C, 6))
    return np.maximum(scale * (mix @ rng.standard_normal((6, n)) +
                               0.5 * rng.standard_normal((C, n))) + shift, 0).astype(np.float32)


def test_monge():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((7, 30)), 2.0 * rng.standard_normal((7, 25)) + 0.3
    sc, ss = a @ a.T / 30, b @ b.T / 25
    T = engine_recon.monge_map(sc, ss)
    err = np.abs(T @ sc @ T - ss).max() / np.abs(ss).max()
    check(err < 1e-10 and np.allclose(T, T.T, atol=1e-14),
          "Monge map: T Sigma_c T = Sigma_s (rel err %.2g), T symmetric" % err)


def compare(name, fc, fs, tmp, cases):
    for gamma, poly_c, iters in cases:
        want = engine_target(fc, fs, gamma, poly_c, iters, tmp).astype(np.float64)
        got, info = engine_recon.solve(fc, fs, gamma, poly_c, iters)
        err = np.linalg.norm(got - want) / np.linalg.norm(want)
        moved = np.linalg.norm(want - fc) / np.linalg.norm(fc)
        check(err < 1e-4 and (iters == 0 or moved > 0.05),
              "%s gamma %g c %g it %d: mirror = engine (rel err %.2g; target moved %.2f "
              "from the content; warm t %.4g, %d steps)"
              % (name, gamma, poly_c, iters, err, moved, info["t"], info["iters"]))
        if iters:
            check(info["J"] <= info["J0"] * (1 + 1e-12),
                  "%s gamma %g: descent J %.6g <= warm-start J %.6g"
                  % (name, gamma, info["J"], info["J0"]))


def test_path(net, tmp):
    yy, xx = np.mgrid[0:32, 0:40] / 40.0
    img = np.stack([np.sin(12 * xx) * np.cos(7 * yy), xx, 1 - yy])[None] * 0.4 + 0.5
    x = torch.from_numpy(img).float()
    with torch.no_grad():
        f = sep.features(net, x)
        ref = sst_torch.Encoder(os.path.join(ROOT, "weights", "encoder.safetensors"), "relu3_1")(x)
    err = float((f - ref).abs().max() / ref.abs().max()) if f.shape == ref.shape else float("inf")
    check(err < 1e-5, "the screen inverts relu3_1 (= sst_torch.Encoder relu3_1, rel err %.2g)" % err)
    _, l0, l1 = sep.invert(net, f, x, 3, 0.0)
    check(l0 == 0.0 and l1 < 1e-10, "inversion from the optimum stays there (%.2g, %.2g)" % (l0, l1))
    start = torch.nn.functional.avg_pool2d(torch.nn.functional.pad(x, (2, 2, 2, 2), mode="reflect"),
                                           5, 1)
    _, l0, l1 = sep.invert(net, f, start, 15, 0.01)
    check(l1 < 0.5 * l0, "inversion from a blurred start: feature loss %.3g -> %.3g" % (l0, l1))
    with torch.no_grad():
        fsty = sep.features(net, torch.from_numpy(np.random.default_rng(10).random((1, 3, 36, 44)))
                            .float())
    pt = sep.patch_target(DUMP, f, fsty)
    lo = fsty.amin(dim=(2, 3), keepdim=True) - 1e-5
    hi = fsty.amax(dim=(2, 3), keepdim=True) + 1e-5
    inside = lambda t: float(((t >= lo) & (t <= hi)).float().mean())  # noqa: E731
    moved = float((pt - f).norm() / f.norm()) if pt.shape == f.shape else 0.0
    check(pt.shape == f.shape and inside(pt) == 1.0 and moved > 0.1,
          "patch target: pasted style features (share in the style's channel ranges %.4f, "
          "moved %.2f from the content)" % (inside(pt), moved))
    rng = np.random.default_rng(9)
    o = (rng.random((24, 30, 3)) * 0.5 + 0.2)
    s = np.clip(rng.random((20, 26, 3)) @ np.array([[0.5, 0.1, 0], [0, 0.3, 0.1], [0.1, 0, 0.2]])
                + 0.3, 0, 1)
    paths = [os.path.join(tmp, n) for n in ("o.png", "s.png", "cm.png")]
    for a, pth in zip((o, s), paths):
        Image.fromarray((a * 255 + 0.5).astype(np.uint8)).save(pth)
    sep.colour_matched(paths[0], paths[1], paths[2])
    mom = lambda pth: (lambda a: (a.mean(0), np.cov(a.T, bias=True)))(  # noqa: E731
        np.asarray(Image.open(pth), np.float64).reshape(-1, 3) / 255)
    (mc, cc), (ms, cs) = mom(paths[2]), mom(paths[1])
    err = max(np.abs(mc - ms).max(), np.abs(cc - cs).max() / np.abs(cs).max())
    check(err < 0.01, "colour match: output has the style's RGB mean and covariance (err %.2g)" % err)


def main():
    torch.set_num_threads(1)
    test_monge()
    cases = [(30.0, 0.0, 10), (3000.0, 0.0, 10), (30.0, 1.0, 10), (30.0, 0.0, 0)]
    with tempfile.TemporaryDirectory() as tmp:
        rng = np.random.default_rng(7)
        compare("random ReLU features", relu_features(rng, 24, 300, 1.0, 0.2),
                relu_features(rng, 24, 260, 3.0, 0.5), tmp, cases)
        net = candidates.VGGFeatures.from_file(os.path.join(ROOT, "weights", "encoder.safetensors"))
        g = np.random.default_rng(8)
        yy, xx = np.mgrid[0:48, 0:64] / 64.0
        c = np.stack([np.sin(9 * xx + 3 * yy), np.cos(5 * yy), xx * yy])[None] * 0.4 + 0.5
        s = g.random((1, 3, 40, 56))
        with torch.no_grad():
            fc = net(torch.from_numpy(c).float(), upto="relu3_1")["relu3_1"][0]
            fs = net(torch.from_numpy(s).float(), upto="relu3_1")["relu3_1"][0]
        compare("shipped encoder relu3_1", fc.reshape(fc.shape[0], -1).numpy(),
                fs.reshape(fs.shape[0], -1).numpy(), tmp, cases[:1])
        test_path(net, tmp)
    finish()


if __name__ == "__main__":
    main()
