#!/usr/bin/python3
"""Decoder-only reconstruction PSNR: x -> encoder -> decoder -> clamp [0,1],
PSNR against x (RGB, 8-bit scale), on the first N (sorted) BSDS500 test
images, each cropped to a multiple of 8 (what the pipeline does).
BSDS500 is used only to MEASURE; it is never used for training.

  /usr/bin/python3 tools/train/eval_psnr.py weights/decoder_relu3_1.safetensors
"""
import argparse
import glob
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sst_torch import Decoder, Encoder, load_safetensors  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("decoder")
    ap.add_argument("--encoder", default="weights/encoder.safetensors")
    ap.add_argument("--images", default="/work/shared/data/bsds500/images/test")
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    dev = torch.device(args.device)
    _, m = load_safetensors(args.decoder)
    net = m.get("net", "")
    if net not in ("decoder_relu3_1", "decoder_relu4_1"):
        sys.exit("%s: not a decoder (net=%r)" % (args.decoder, net))
    dec = Decoder(net[len("decoder_"):])
    meta = dec.load_file(args.decoder)
    dec = dec.to(dev).eval()
    enc = Encoder(args.encoder, dec.layer).to(dev).eval()
    files = sorted(glob.glob(os.path.join(args.images, "*.jpg")))[:args.n]
    ps = []
    with torch.no_grad():
        for fn in files:
            a = np.asarray(Image.open(fn).convert("RGB"))
            h, w = a.shape[0] // 8 * 8, a.shape[1] // 8 * 8
            x = torch.from_numpy(a[:h, :w].copy()).permute(2, 0, 1)[None].float().div(255).to(dev)
            y = dec(enc(x)).clamp(0, 1)
            y8 = (y * 255).round()
            mse = ((y8 - x * 255) ** 2).mean().item()
            ps.append(10 * np.log10(255.0 ** 2 / mse))
    print("%s (%s, steps %s): mean PSNR %.2f dB over %d BSDS500 test images "
          "(min %.2f, max %.2f)" % (args.decoder, meta.get("net"), meta.get("steps"),
                                    np.mean(ps), len(ps), np.min(ps), np.max(ps)))


if __name__ == "__main__":
    main()
