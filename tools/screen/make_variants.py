#!/usr/bin/python3
"""Random-encoder variants for the screen (cheap baselines, issue 14).

Each variant is written in the engine's safetensors layout, so the screen
and, if one won, the engine could use it unchanged:

  wn        the shipped encoder with per-filter weight normalisation: every
            filter of a layer rescaled to the layer's RMS filter norm.
            Random filters differ in gain by tens of percent, and the Gram
            matrix is dominated by the high-gain channels; equal norms give
            every channel the same say.
  plain     make_encoder.py's design without the zero-mean filters (plain He
            init, same seed and gains recomputed).  The screen chose it:
            it is the shipped weights/encoder.safetensors since 2026-12-04
            (weights/README.md, section 2, gives the exact command).

(Another seed is just `tools/make_encoder.py --seed N`.)

Usage: /usr/bin/python3 tools/screen/make_variants.py --variant wn --out FILE
"""
import argparse
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from weights_common import load_safetensors, save_safetensors  # noqa: E402
import make_encoder  # noqa: E402


def weight_normalised(path):
    t, meta = load_safetensors(path)
    out = {}
    for k, v in t.items():
        v = v.astype(np.float64)
        if k.endswith(".weight") and v.shape[2] == 3:
            norms = np.sqrt((v.reshape(v.shape[0], -1) ** 2).sum(1))
            target = math.sqrt(float((norms ** 2).mean()))
            v = v * (target / norms)[:, None, None, None]
        out[k] = v.astype(np.float32)
    return out


def plain_he(seed):
    """make_encoder.build with the zero-mean step switched off."""
    t, _ = make_encoder.build(seed, verbose=False, zero_mean=False)
    return t


def save_variant(out, tensors, variant, command):
    """Writes a variant with the metadata every variant file carries: its
    command is what makes the file (the test that remakes random_plain bit
    for bit relies on this being the only place the metadata is written)."""
    save_safetensors(out, tensors, {"format": "semantic-style-weights", "net": "encoder",
                                    "variant": variant, "command": command})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variant", choices=["wn", "plain"], required=True)
    ap.add_argument("--base", default="weights/encoder.safetensors")
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    t = weight_normalised(args.base) if args.variant == "wn" else plain_he(args.seed)
    save_variant(args.out, t, args.variant, " ".join(sys.argv))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
