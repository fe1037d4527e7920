#!/usr/bin/python3
"""tools/screen (encoder screen) and tools/train/train_encoder_contrastive.py:
the parts the screening table depends on, against independent references.

    test_screen.py SOURCE_ROOT

1. VGGFeatures (the screen's encoder) gives the same relu3_1/relu4_1 as
   sst_torch.Encoder (the decoders' training encoder) on the shipped weights,
   and its relu1_1 equals a float64 numpy convolution of conv0 + conv1_1.
2. PixelPatches' channels are the image's 5x5 reflect-padded patches.
3. The Gram matrix and the relative style loss of screen_encoders.py against
   float64 numpy; the contrastive style vector (mean + covariance upper
   triangle, L2-normalised) and InfoNCE (numpy log-softmax).
4. make_variants' weight normalisation gives equal filter norms per layer.
5. collect_data.grey_std against numpy's std of PIL's luminance.
6. The contrastive trainer's views: --min-side keeps exactly the manifest
   rows whose short side reaches it; every view box lies inside its image
   and both views of a pair come from the same image; a batch is the same
   with 1 and with 3 resize threads (the draws are made in order, so
   --workers cannot change a run); the colour jitter stays in [0, 1].

Needs /usr/bin/python3 with torch, numpy and PIL; FAILS (never skips)
without them.
"""
import os
import sys

import numpy as np
import torch
from PIL import Image

ROOT = os.path.abspath(sys.argv[1])
for sub in ("tools", "tools/train", "tools/screen"):
    sys.path.insert(0, os.path.join(ROOT, sub))
import candidates  # noqa: E402
import collect_data  # noqa: E402
import make_variants  # noqa: E402
import screen_encoders  # noqa: E402
import sst_torch  # noqa: E402
import train_encoder_contrastive as tec  # noqa: E402
from weights_common import load_safetensors  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402

ENC = os.path.join(ROOT, "weights", "encoder.safetensors")


def image(seed, h=40, w=48):
    return torch.from_numpy(np.random.default_rng(seed).random((1, 3, h, w)).astype(np.float32))


def test_vgg():
    x = image(1)
    net = candidates.VGGFeatures.from_file(ENC)
    with torch.no_grad():
        f = net(x)
    for layer in ("relu3_1", "relu4_1"):
        ref = sst_torch.Encoder(ENC, layer)(x)
        err = float((f[layer] - ref).abs().max() / ref.abs().max())
        check(f[layer].shape == ref.shape and err < 1e-5,
              "VGGFeatures %s equals sst_torch.Encoder (rel err %.2g)" % (layer, err))
    t, _ = load_safetensors(ENC)
    a = x[0].double().numpy()
    a = np.einsum("oc,chw->ohw", t["enc.conv0.weight"][:, :, 0, 0].astype(np.float64), a) \
        + t["enc.conv0.bias"].astype(np.float64)[:, None, None]
    p = np.pad(a, ((0, 0), (1, 1), (1, 1)), mode="reflect")
    w = t["enc.conv1_1.weight"].astype(np.float64)
    out = np.zeros((64,) + a.shape[1:])
    for i in range(3):
        for j in range(3):
            out += np.einsum("oc,chw->ohw", w[:, :, i, j], p[:, i:i + a.shape[1], j:j + a.shape[2]])
    out = np.maximum(out + t["enc.conv1_1.bias"].astype(np.float64)[:, None, None], 0)
    err = float(np.abs(f["relu1_1"][0].double().numpy() - out).max())
    check(err < 1e-4, "VGGFeatures relu1_1 equals float64 numpy conv (max err %.2g)" % err)
    tt = net.tensors()
    check(all(np.array_equal(tt[k], t[k]) for k in t), "VGGFeatures.tensors() round-trips the file")


def test_pixel():
    x = image(2, 32, 48)
    with torch.no_grad():
        f = candidates.PixelPatches()(x)
    shapes = [tuple(f[k].shape) for k in candidates.STYLE_LAYERS]
    check(shapes == [(1, 75, 32, 48), (1, 75, 16, 24), (1, 75, 8, 12), (1, 75, 4, 6)],
          "PixelPatches shapes %s" % shapes)
    a = np.pad(x[0].double().numpy(), ((0, 0), (2, 2), (2, 2)), mode="reflect")
    y, xx = 5, 7
    ref = a[:, y:y + 5, xx:xx + 5].reshape(-1)          # channel-major, like unfold
    got = f["relu1_1"][0, :, y, xx].double().numpy()
    check(np.allclose(got, ref, atol=1e-6), "PixelPatches relu1_1 at (5,7) is the 5x5 patch there")


def test_losses():
    rng = np.random.default_rng(3)
    a = rng.random((1, 6, 5, 7))
    g = screen_encoders.gram(torch.from_numpy(a)).numpy()
    m = a[0].reshape(6, -1)
    check(np.allclose(g, m @ m.T / 35, rtol=1e-12), "gram = F F^T / (H W)")
    # style vector + InfoNCE against numpy float64
    f = rng.random((4, 5, 3, 3))
    v = tec.style_vector(torch.from_numpy(f)).numpy()
    ref = []
    for k in range(4):
        x = f[k].reshape(5, -1)
        mu = x.mean(1)
        c = (x - mu[:, None]) @ (x - mu[:, None]).T / 9
        r = np.concatenate([mu, c[np.triu_indices(5)]])
        ref.append(r / np.linalg.norm(r))
    ref = np.array(ref)
    check(np.allclose(v, ref, rtol=1e-10), "style_vector = normalised (mean, cov upper triangle)")
    loss, acc = tec.info_nce(torch.from_numpy(ref), 0.1)
    s = ref @ ref.T / 0.1
    np.fill_diagonal(s, -np.inf)
    tgt = [2, 3, 0, 1]
    lse = np.log(np.exp(s - s.max(1, keepdims=True)).sum(1)) + s.max(1)
    want = float(np.mean([lse[i] - s[i, tgt[i]] for i in range(4)]))
    check(abs(float(loss) - want) < 1e-9, "info_nce = mean cross-entropy (%.6f vs %.6f)"
          % (float(loss), want))
    check(abs(float(acc) - np.mean(s.argmax(1) == tgt)) < 1e-12, "info_nce accuracy")


def test_weight_norm():
    t = make_variants.weight_normalised(ENC)
    for k in ("enc.conv1_2.weight", "enc.conv4_1.weight"):
        n = np.sqrt((t[k].astype(np.float64).reshape(t[k].shape[0], -1) ** 2).sum(1))
        check(n.std() / n.mean() < 1e-5, "%s filter norms equal after wn (cv %.2g)"
              % (k, n.std() / n.mean()))
    check(np.array_equal(t["enc.conv0.weight"], load_safetensors(ENC)[0]["enc.conv0.weight"]),
          "wn leaves the 1x1 colour normalisation alone")


def test_grey_std():
    a = (np.random.default_rng(4).random((20, 30, 3)) * 255).astype(np.uint8)
    im = Image.fromarray(a)
    ref = np.asarray(im.convert("L"), dtype=np.float64).std() / 255
    check(abs(collect_data.grey_std(im) - ref) < 1e-12, "grey_std = numpy std of PIL L / 255")
    check(collect_data.grey_std(Image.new("RGB", (9, 9), (40, 90, 200))) == 0.0,
          "grey_std of a flat image is 0")


def test_views():
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "images"))
        rows = [("a.png", "wesnoth-1.16-data", 300, 260), ("b.png", "pkg-b", 300, 255),
                ("c.png", "pkg-c", 256, 400), ("d.png", "pkg-d", 180, 500)]
        rng = np.random.default_rng(7)
        with open(os.path.join(d, "MANIFEST.tsv"), "w") as f:
            f.write("image\tpackage\tversion\toriginal_path\toriginal_size\tstored_size\tlicence\n")
            for name, pkg, w, h in rows:
                Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(
                    os.path.join(d, "images", name))
                f.write("%s\t%s\t1\t/x/%s\t%dx%d\t%dx%d\tCC0\n" % (name, pkg, name, w, h, w, h))
        got = [n for n, _ in tec.read_manifest(d, 256)]
        check(got == ["a.png", "c.png"], "read_manifest --min-side 256 keeps a, c (got %s)" % got)
        check(len(tec.read_manifest(d)) == 4, "read_manifest without --min-side keeps all rows")
        images = tec.read_manifest(d)
        prng = np.random.Generator(np.random.PCG64(3))
        inside = True
        for _ in range(200):
            size = (int(prng.integers(130, 900)), int(prng.integers(130, 900)))
            for box, _, gains, _ in tec.view_plan(prng, size, 64, 0.2):
                x0, y0, x1, y1 = box
                inside &= (0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1]
                           and abs((x1 - x0) - (y1 - y0)) < 1e-9)
                inside &= bool(np.all((gains >= 0.8) & (gains <= 1.2)))
        check(inside, "view_plan: 400 square boxes inside their images, gains within +-0.2")
        one = tec.Views(d, images, 32, 0.2, 1, 10).batch(np.random.Generator(np.random.PCG64(5)), 6)
        three = tec.Views(d, images, 32, 0.2, 3, 0).batch(np.random.Generator(np.random.PCG64(5)), 6)
        check(tuple(one.shape) == (12, 3, 32, 32) and torch.equal(one, three),
              "Views: a batch of 6 pairs is the same with 1 and 3 threads, cached or not")
        check(float(one.min()) >= 0.0 and float(one.max()) <= 1.0, "Views: pixels in [0, 1]")
        # a pair's two views share their source: a flat image per file
        for name, _, w, h in rows:
            Image.new("RGB", (w, h), (10 * len(name) + ord(name[0]), 40, 90)).save(
                os.path.join(d, "images", name))
        flat = tec.Views(d, images, 32, 0.0, 2, 0).batch(np.random.Generator(np.random.PCG64(9)), 5)
        check(torch.equal(flat[:5, 0, 0, 0], flat[5:, 0, 0, 0]),
              "Views: rows i and i+n come from the same image")


def main():
    torch.set_num_threads(1)
    test_vgg()
    test_pixel()
    test_losses()
    test_weight_norm()
    test_grey_std()
    test_views()
    finish()


if __name__ == "__main__":
    main()
