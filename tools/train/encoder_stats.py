#!/usr/bin/python3
"""Sanity check of the random encoder on real images: per output layer the
mean / std of the activations, the fraction of zero activations and the
number of channels that never fire on any of the images ("dead").

  /usr/bin/python3 tools/train/encoder_stats.py [-n 16]
"""
import argparse
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sst_torch import Encoder  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--encoder", default="weights/encoder.safetensors")
    ap.add_argument("--data", default="/var/tmp/sst-data")
    ap.add_argument("-n", type=int, default=16)
    args = ap.parse_args()
    torch.set_num_threads(1)
    names = sorted(os.listdir(os.path.join(args.data, "images")))
    rng = np.random.Generator(np.random.PCG64(7))
    pick = [names[i] for i in sorted(rng.choice(len(names), args.n, replace=False))]
    for layer in ("relu3_1", "relu4_1"):
        enc = Encoder(args.encoder, layer).eval()
        fmax = None
        vals = []
        with torch.no_grad():
            for nm in pick:
                a = np.asarray(Image.open(os.path.join(args.data, "images", nm)).convert("RGB"))
                a = a[:256, :256]
                h, w = a.shape[0] // 8 * 8, a.shape[1] // 8 * 8
                x = torch.from_numpy(a[:h, :w].copy()).permute(2, 0, 1)[None].float() / 255
                f = enc(x)[0]
                m = f.amax(dim=(1, 2))
                fmax = m if fmax is None else torch.maximum(fmax, m)
                vals.append(f.flatten(1))
        v = torch.cat(vals, 1)
        print("%s: %d images, mean %.3f std %.3f rms %.3f, zeros %.1f%%, "
              "dead channels %d/%d, channels firing <1%% of positions %d"
              % (layer, len(pick), v.mean(), v.std(), v.pow(2).mean().sqrt(),
                 100 * (v == 0).float().mean(), int((fmax == 0).sum()), v.shape[0],
                 int(((v > 0).float().mean(1) < 0.01).sum())))


if __name__ == "__main__":
    main()
