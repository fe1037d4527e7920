#!/usr/bin/python3
"""Screen of patch Gram matching (patch_monge.py) against the engine's two
methods, with a real decoder (issue 14).

Per grid pair of ../shared/data/styletransfer (every --step-th of the 104,
so the styles vary): content and style resized to --size px on the long
side (0: their own size, as the engine's full-size evaluation runs them;
LANCZOS, sides a multiple of 8), and per configuration

  K:D:A     relu3_1 of the content and style (encoder of --weights), the
            target patch_monge(Fc, Fs, K, D), blended A x target +
            (1 - A) x Fc, decoded by --weights' decoder_relu3_1, then the
            engine's default colour match (strength 1, whole image);
            K = 1 is the per-cell map alone (the statistics method without
            its content term, i.e. gamma -> infinity)
  engine:M[:ARGS]  sst-stylize --method M [ARGS] on the same resized files
            (same weights folder, --max-size 0): the engine's own result

scored with ../shared/tools/quality.py (texture_ratio, style_ratio,
content_ssim).  Rows are appended to --out/results.tsv (resumable: a
(pair, configuration) already there is skipped); the mean per
configuration over the pairs every configuration has is printed at the end
(--table: only that and the sheet), and --out/sheet.jpg shows the pairs (content | style
| the configurations; not committed: evaluation images).

  nice -n 5 /usr/bin/python3 tools/screen/screen_patch_monge.py \\
      --weights /var/tmp/sst-plain/wdir --out /var/tmp/sst-pm/plain \\
      --conf engine:stats --conf engine:patch --conf 1:0:1 --conf 7:32:1 --conf 7:64:1
"""
import argparse
import os
import subprocess
import sys
import time

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tools", "train"))
sys.path.insert(0, os.path.join(REPO, "tools", "eval"))
import eval_data  # noqa: E402
from eval_results import append_result, read_results  # noqa: E402
from mean_table import mean_table  # noqa: E402
from patch_monge import patch_monge  # noqa: E402
from run_eval import Quality  # noqa: E402
from screen_engine_path import colour_matched  # noqa: E402
from sheet import contact_sheet  # noqa: E402
from sst_torch import Decoder, Encoder  # noqa: E402

COLS = ["pair", "conf", "texture_ratio", "style_ratio", "content_ssim", "seconds"]


def resized(src, dst, size):
    """The image at `size` px on the long side (0: its own size), sides
    rounded to a multiple of 8 (the decoder's round trip needs it)."""
    im = Image.open(src).convert("RGB")
    w, h = im.size
    s = size / max(w, h) if size else 1.0
    im = im.resize((max(8, round(w * s) // 8 * 8), max(8, round(h * s) // 8 * 8)), Image.LANCZOS)
    im.save(dst)
    return np.asarray(im, np.float64) / 255


class Model:
    def __init__(self, weights):
        self.enc = Encoder(os.path.join(weights, "encoder.safetensors"), "relu3_1").eval()
        self.dec = Decoder("relu3_1")
        self.dec.load_file(os.path.join(weights, "decoder_relu3_1.safetensors"))
        self.dec.eval()

    def features(self, a):
        with torch.no_grad():
            x = torch.from_numpy(a).permute(2, 0, 1)[None].float()
            return self.enc(x)[0].double().numpy()

    def decode(self, f):
        with torch.no_grad():
            y = self.dec(torch.from_numpy(f)[None].float())[0].clamp(0, 1)
            return y.permute(1, 2, 0).double().numpy()


def image_path(out, pair, conf):
    return os.path.join(out, "img", "%s__%s.png" % (
        pair, conf.replace(":", "_").replace(" ", "").replace("-", "")))


def sheet(out, pairs, confs):
    """Rows: the pairs that have every configuration; columns: content,
    style, then the configurations in --conf order."""
    rows = []
    for p in pairs:
        r = [os.path.join(out, "img", p + "_content.png"), os.path.join(out, "img", p + "_style.png")]
        r += [image_path(out, p, c) for c in confs]
        if all(os.path.exists(x) for x in r):
            rows.append(r)
    if rows:
        contact_sheet(rows, os.path.join(out, "sheet.jpg"), "patch Gram matching",
                      "content | style | " + " | ".join(confs))


def run_conf(conf, model, feats, c, s, cpath, spath, dst, args):
    """feats: this pair's (content, style) relu3_1, filled by the first
    configuration that needs them (every k:d:a one uses the same)."""
    parts = conf.split(":")
    if parts[0] == "engine":
        cmd = [args.sst, cpath, spath, "-o", dst, "--weights", args.weights, "--quiet",
               "--threads", str(args.threads), "--method", parts[1]] + \
            (" ".join(parts[2:]).split() if len(parts) > 2 else [])
        subprocess.run(cmd, check=True)
        return
    k, dims, alpha = int(parts[0]), int(parts[1]), float(parts[2])
    if not feats:
        feats += [model.features(c), model.features(s)]
    fc, fs = feats
    f = alpha * patch_monge(fc, fs, k, dims) + (1 - alpha) * fc
    raw = dst + ".raw.png"
    Image.fromarray((model.decode(f) * 255 + 0.5).astype(np.uint8)).save(raw)
    colour_matched(raw, spath, dst)
    os.remove(raw)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weights", default=os.path.join(REPO, "weights"))
    ap.add_argument("--conf", action="append", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--step", type=int, default=9)
    ap.add_argument("--size", type=int, default=512, help="long side in px; 0 = each image's own size")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sst", default=os.path.join(REPO, "build", "cli", "sst-stylize"))
    ap.add_argument("--data", default=eval_data.DEFAULT_DATA)
    ap.add_argument("--quality", default=eval_data.DEFAULT_QUALITY)
    ap.add_argument("--table", action="store_true", help="print the table only")
    args = ap.parse_args()
    path = os.path.join(args.out, "results.tsv")
    contents = sorted(os.listdir(os.path.join(args.data, "content")))
    pairs = eval_data.grid_cases(args.data, contents, eval_data.STYLES)[::args.step]
    if args.table:
        mean_table(read_results(path), args.conf, "pair", "pair")
        sheet(args.out, [p["case"] for p in pairs], args.conf)
        return
    torch.set_num_threads(args.threads)
    os.makedirs(os.path.join(args.out, "img"), exist_ok=True)
    done = {(r["pair"], r["conf"]) for r in read_results(path)}
    model = Model(args.weights)
    qual = Quality(args.quality, "inproc")
    for p in pairs:
        cpath = os.path.join(args.out, "img", p["case"] + "_content.png")
        spath = os.path.join(args.out, "img", p["case"] + "_style.png")
        c, s = resized(p["content"], cpath, args.size), resized(p["style"], spath, args.size)
        feats = []
        for conf in args.conf:
            if (p["case"], conf) in done:
                continue
            dst = image_path(args.out, p["case"], conf)
            t = time.monotonic()
            run_conf(conf, model, feats, c, s, cpath, spath, dst, args)
            sec = time.monotonic() - t
            st, ss, tx = qual(cpath, spath, dst)
            row = dict(pair=p["case"], conf=conf, texture_ratio="%.4f" % tx,
                       style_ratio="%.4f" % st, content_ssim="%.4f" % ss, seconds="%.1f" % sec)
            append_result(path, row, COLS)
            print("%s %s: texture %.3f style %.3f ssim %.3f (%.0f s)" % (p["case"], conf, tx, st, ss, sec),
                  flush=True)
    mean_table(read_results(path), args.conf, "pair", "pair")
    sheet(args.out, [p["case"] for p in pairs], args.conf)


if __name__ == "__main__":
    main()
