#!/usr/bin/python3
"""A seeded random VGG19-topology encoder (up to relu4_1), bit-identical on
every machine.

The shipped weights/encoder.safetensors (since 2026-12-04) is this recipe
with zero_mean=False, written by `tools/screen/make_variants.py --variant
plain` (weights/README.md, section 2); this script's own output is the
previous encoder (zero-mean filters), kept for comparison.  So --out has no
default: running it must not overwrite the shipped file.

Why random: no pretrained ImageNet weights may be used in this project.
Random conv nets with sensible statistics still give features whose Gram
matrices / local patches capture texture and style (Ustyuzhaninov et al.
2017, He et al. 2016 "Powerful generative model using random weights"), and
the decoders are trained to invert exactly this encoder.

Design (all data independent):
  * enc.conv0: fixed colour normalisation (x - mean) / std with the usual
    ImageNet constants, no ReLU.
  * every 3x3 conv: i.i.d. N(0,1) draws from numpy's PCG64 with the given
    seed, in layer order (weight then nothing: biases are zero), He-scaled by
    sqrt(2 / fan_in).
  * conv1_2 and later: each filter is made zero-mean over its whole fan-in
    (in x 3 x 3).  Inputs there are ReLU outputs, i.e. non-negative with a
    large common mean; a zero-mean filter ignores that common offset, so
    pre-activations stay centred and roughly half of the units fire at every
    depth instead of saturating to all-on / all-off.  conv1_1 keeps its DC
    response so that flat colour survives into the features.
  * per-layer gain: a power of two chosen so that the pre-activation standard
    deviation is ~1 on synthetic 1/f ("pink") noise images drawn from the same
    generator (natural images have ~1/f spectra).  Powers of two keep the
    float32 weights exact, and the choice of exponent is robust to the tiny
    floating-point differences between BLAS builds (the margin to the
    rounding boundary is printed and stored).
  * mean subtraction uses math.fsum (exactly rounded) so the result does not
    depend on numpy's summation order; everything is computed in float64 and
    rounded to float32 once.

Usage:  /usr/bin/python3 tools/make_encoder.py [--seed 20240611] --out FILE
"""
import argparse
import hashlib
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from weights_common import ENCODER_LAYERS, save_safetensors  # noqa: E402

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def conv3x3_reflect(x, w):
    """x [N,C,H,W] float64, w [O,C,3,3]; reflection pad 1, stride 1."""
    n, c, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="reflect")
    cols = np.empty((n, c, 3, 3, h, wd))
    for i in range(3):
        for j in range(3):
            cols[:, :, i, j] = xp[:, :, i:i + h, j:j + wd]
    cols = cols.reshape(n, c * 9, h * wd)
    out = np.einsum("ok,nkp->nop", w.reshape(w.shape[0], -1), cols,
                    optimize=True)
    return out.reshape(n, w.shape[0], h, wd)


def pink_noise(rng, n, size):
    """n RGB images in [0,1] with a 1/f amplitude spectrum and correlated
    channels (a shared luminance field plus weaker chroma fields)."""
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.fftfreq(size)[None, :]
    f = np.sqrt(fx * fx + fy * fy)
    f[0, 0] = 1.0
    amp = 1.0 / f
    amp[0, 0] = 0.0

    def field():
        z = rng.standard_normal((size, size)) + 1j * rng.standard_normal((size, size))
        r = np.real(np.fft.ifft2(z * amp))
        return (r - r.mean()) / r.std()

    imgs = np.empty((n, 3, size, size))
    for k in range(n):
        lum = field()
        for c in range(3):
            imgs[k, c] = 0.5 + 0.18 * lum + 0.06 * field()
    return np.clip(imgs, 0.0, 1.0)


def build(seed, calib_n=2, calib_size=128, verbose=True, zero_mean=True):
    """zero_mean=False only for the screening baseline (tools/screen/make_variants.py)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    tensors = {}
    gains = []
    # weights first (fixed order), so the calibration images never change them
    raw = {}
    for name, o, i, k, relu, pool in ENCODER_LAYERS:
        if name == "enc.conv0":
            continue
        g = rng.standard_normal((o, i, k, k))          # float64
        if zero_mean and name != "enc.conv1_1":
            flat = g.reshape(o, -1)
            for r in range(o):
                m = math.fsum(flat[r].tolist()) / flat.shape[1]
                flat[r] -= m
            g = flat.reshape(o, i, k, k)
        raw[name] = g * math.sqrt(2.0 / (i * k * k))

    calib = pink_noise(rng, calib_n, calib_size)

    w0 = np.zeros((3, 3, 1, 1))
    b0 = np.zeros(3)
    for c in range(3):
        w0[c, c, 0, 0] = 1.0 / IMAGENET_STD[c]
        b0[c] = -IMAGENET_MEAN[c] / IMAGENET_STD[c]
    tensors["enc.conv0.weight"] = w0.astype(np.float32)
    tensors["enc.conv0.bias"] = b0.astype(np.float32)
    x = np.einsum("oc,nchw->nohw", w0[:, :, 0, 0], calib) + b0[None, :, None, None]

    for name, o, i, k, relu, pool in ENCODER_LAYERS:
        if name == "enc.conv0":
            continue
        w = raw[name]
        pre = conv3x3_reflect(x, w)
        sd = float(pre.std())
        e = -math.log2(sd)
        ex = int(round(e))
        margin = 0.5 - abs(e - ex)      # distance to the rounding boundary
        w = w * (2.0 ** ex)
        pre = pre * (2.0 ** ex)
        gains.append("%s:%d" % (name, ex))
        if verbose:
            print("  %-12s raw std %.4f -> gain 2^%d (margin %.3f), "
                  "pre-act std %.3f" % (name, sd, ex, margin, pre.std()))
        tensors[name + ".weight"] = w.astype(np.float32)
        tensors[name + ".bias"] = np.zeros(o, dtype=np.float32)
        x = np.maximum(pre, 0.0)
        if pool:
            n, c, h, wd = x.shape
            x = x.reshape(n, c, h // 2, 2, wd // 2, 2).max(axis=(3, 5))
    return tensors, gains


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    tensors, gains = build(args.seed)
    meta = {
        "format": "semantic-style-weights",
        "net": "encoder",
        "seed": str(args.seed),
        "generator": "numpy.random.Generator(numpy.random.PCG64(seed)).standard_normal, float64, cast to F32",
        "design": "conv0 = ImageNet mean/std normalisation; 3x3 convs He-scaled N(0,1), zero-mean filters from conv1_2 on, zero bias, power-of-two gains for unit pre-activation std on 1/f noise",
        "gains_log2": ",".join(gains),
        "command": "/usr/bin/python3 tools/make_encoder.py --seed %d" % args.seed,
    }
    save_safetensors(args.out, tensors, meta)
    with open(args.out, "rb") as f:
        print("%s sha256 %s" % (args.out, hashlib.sha256(f.read()).hexdigest()))


if __name__ == "__main__":
    main()
