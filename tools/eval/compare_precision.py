#!/usr/bin/python3
"""What the bf16 option (sst-stylize --precision bf16) costs in quality.

Runs sst-stylize on run_eval.py's sweep subset (4 grid pairs + 2 semantic
cases) and the contact-sheet pairs, once in float32 and once in bf16, with
the default kernel (poly) at its default gamma, and prints a markdown table:

  psnr        PSNR of the bf16 output against the float32 output (8-bit PNGs)
  max_diff    largest per-channel difference, in 8-bit levels
  style_ratio, content_ssim   ../shared/tools/quality.py for each precision

Outputs go to --out (outside the repository: they contain the evaluation
images).  Needs Debian's python3 with numpy, PIL and skimage.

  /usr/bin/python3 tools/eval/compare_precision.py --sst build/cli/sst-stylize
"""
import argparse
import os
import subprocess
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_data  # noqa: E402  (the evaluation set)
import run_eval  # noqa: E402  (its quality scorer)


def stylize(sst, weights, case, precision, max_size, out_png):
    cmd = [sst, case["content"], case["style"], "-o", out_png, "--weights", weights,
           "--precision", precision, "--max-size", str(max_size)]
    if case["cmap"]:
        cmd += ["--content-map", case["cmap"], "--style-map", case["smap"]]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    if r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), r.stderr.strip()))
    return r.stderr


def psnr(a_path, b_path):
    a = np.asarray(Image.open(a_path).convert("RGB"), dtype=np.float64)
    b = np.asarray(Image.open(b_path).convert("RGB"), dtype=np.float64)
    mse = np.mean((a - b) ** 2)
    return (float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)), float(np.abs(a - b).max())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sst", required=True)
    ap.add_argument("--weights", default=os.path.join(eval_data.REPO, "weights"))
    ap.add_argument("--data", default=eval_data.DEFAULT_DATA)
    ap.add_argument("--quality", default=eval_data.DEFAULT_QUALITY)
    ap.add_argument("--out", default="/var/tmp/sst-eval/precision")
    ap.add_argument("--max-size", type=int, default=800)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    prep = os.path.join(args.out, "prep")
    pairs = list(dict.fromkeys(eval_data.SWEEP_GRID + eval_data.SHEET_GRID))
    cases = [c for c in eval_data.grid_cases(args.data, [p[0] for p in pairs], [p[1] for p in pairs])
             if (os.path.basename(c["content"]), os.path.basename(c["style"])) in pairs]
    names = set(eval_data.SWEEP_SEMANTIC + eval_data.SHEET_SEMANTIC)
    cases += [c for c in eval_data.semantic_cases(args.data, prep)
              if c["case"] in names and c["kind"] != "doodle"]
    quality = run_eval.Quality(args.quality, "inproc")
    print("| case | PSNR bf16 vs float32 (dB) | max diff (levels) | style_ratio f32 / bf16 "
          "| content_ssim f32 / bf16 |")
    print("|---|---|---|---|---|")
    worst = float("inf")
    for c in cases:
        outs = {}
        for prec in ("float32", "bf16"):
            outs[prec] = os.path.join(args.out, "%s__%s.png" % (c["case"], prec))
            note = stylize(args.sst, args.weights, c, prec, args.max_size, outs[prec])
            if "no AVX-512 BF16" in note:
                sys.exit("this CPU has no AVX-512 BF16: nothing to compare")
        p, m = psnr(outs["float32"], outs["bf16"])
        worst = min(worst, p)
        q = {k: quality(c["content"], c["style"], v) for k, v in outs.items()}
        print("| %s | %.1f | %.0f | %.3f / %.3f | %.3f / %.3f |" % (
            c["case"], p, m, q["float32"][0], q["bf16"][0], q["float32"][1], q["bf16"][1]),
            flush=True)
    print("\nlowest PSNR: %.1f dB over %d cases (max size %d)" % (worst, len(cases), args.max_size))


if __name__ == "__main__":
    main()
