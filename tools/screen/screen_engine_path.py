#!/usr/bin/python3
"""Decoder-free screen of candidate encoders through the engine's own path
(issue 14): does an encoder move texture when the engine's reconstruction,
not a Gatys optimisation, sets the target?

screen_encoders.py optimises pixels against Gram matrices of relu1_1 ..
relu4_1.  The engine instead matches statistics of one layer (relu3_1 by
default) in closed form and a decoder inverts the result.  This script
replaces the decoder by an "ideal decoder": pixel-space L-BFGS that inverts
the target feature.  Per candidate and pair (content and style resized to
--size px on the long side, LANCZOS, as in screen_encoders.py):

  transfer  target = the engine's default reconstruction at relu3_1 with one
            region (poly kernel, c 0, 10 iterations, --gamma default 30 as in the
            screens run so far; numpy mirror
            engine_recon.py, checked against the engine by
            tests/train/test_screen_engine.py)
  style     target = the style's own relu3_1 (what a perfect decoder of
            this encoder can draw; the start is the content resized to the
            style's size)
  identity  target = the content's own relu3_1 (with --init content the
            start is the optimum, so only run it with --init blur)
  patch     target = the engine's patch method (--method patch: patch size
            3, blend 1, one region), computed by the engine itself through
            --recon-dump (tests/train/recon_dump in the build folder)

The image starts from --init (content, or the content blurred by a Gaussian
of radius --blur px) and L-BFGS (strong Wolfe, history 20) minimises
    |relu3_1(x) - F|^2 / |F|^2 + w_tv (mean (dx)^2 + mean (dy)^2)
then clamps to [0, 1].  Each result is scored raw and after the engine's
default colour match (--color-match 1: the Gaussian optimal-transport RGB
map of tools/make_color_golden.py, whole image to whole style), with
/work/shared/tools/quality.py.  Deterministic (no random draws; 1 thread).

Output in --out: <cand>/<kind>_<setting>/<pair>.png and _cm.png,
<cand>_engine_<kinds>_<setting>_sheet.jpg (rows: content | style | then per
kind its result, transfer and patch also after the colour match),
engine_results.tsv (appended, resumable), and the markdown table on stdout /
--table.

Usage:
  nice -n 10 /usr/bin/python3 tools/screen/screen_engine_path.py \\
      --cand random=weights/encoder.safetensors \\
      --cand random_plain=/var/tmp/sst-screen2/cands/random_plain.safetensors \\
      [--size 128 --steps 40 --init content --kinds transfer,style]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from PIL import Image, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import candidates  # noqa: E402
import engine_recon  # noqa: E402
import make_color_golden as colour  # noqa: E402
from screen_encoders import (PAIRS, emit_table, pair_inputs, quality, read_rows,  # noqa: E402
                             to_image, to_tensor)
from sheet import contact_sheet  # noqa: E402

LAYER = "relu3_1"
FIGS = ["texture_ratio", "style_ratio", "content_ssim"]
KINDS = ["transfer", "style", "identity", "patch"]
MIXED = ("transfer", "patch")   # kinds shown with and without the colour match
COLS = ["candidate", "spec", "kind", "init", "pair", "size", "steps", "w_tv", "seconds",
        "warm_t", "loss_start", "loss_end"] + FIGS + ["cm_" + f for f in FIGS]


def short(name):
    return name.split(".")[0].replace("adain_", "").replace("neuralstyle_", "")


def features(net, x):
    return net(x, upto=LAYER)[LAYER]


def tv(x):
    return ((x[..., 1:, :] - x[..., :-1, :]) ** 2).mean() + ((x[..., 1:] - x[..., :-1]) ** 2).mean()


def invert(net, target, init, steps, w_tv):
    """Pixel-space L-BFGS from init towards relu3_1(x) = target; returns the
    clamped image and the relative feature loss at the start and the end."""
    tn = (target * target).sum()
    x = init.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([x], lr=1.0, max_iter=steps, history_size=20,
                            tolerance_grad=0.0, tolerance_change=0.0,
                            line_search_fn="strong_wolfe")
    with torch.no_grad():
        start = float(((features(net, init) - target) ** 2).sum() / tn)

    def closure():
        opt.zero_grad()
        loss = ((features(net, x) - target) ** 2).sum() / tn + w_tv * tv(x)
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        x.clamp_(0, 1)
        end = float(((features(net, x) - target) ** 2).sum() / tn)
    return x.detach(), start, end


def patch_target(dump, fc, fs):
    """The engine's patch-method target (size 3, blend 1, one region) for
    relu3_1 maps fc (1, C, H, W) and fs (1, C, Hs, Ws), via recon_dump."""
    C = fc.shape[1]
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = os.path.join(tmp, "in.bin"), os.path.join(tmp, "out.bin")
        with open(inp, "wb") as f:
            f.write(np.array([C, fc[0, 0].numel(), fs[0, 0].numel()], np.int32).tobytes())
            f.write(fc[0].reshape(C, -1).numpy().astype(np.float32).tobytes())
            f.write(fs[0].reshape(C, -1).numpy().astype(np.float32).tobytes())
        subprocess.run([dump, inp, out, "poly", "30", "0", "10", "patch", str(fc.shape[3]),
                        str(fs.shape[3]), "3", "1"], check=True)
        return torch.from_numpy(np.fromfile(out, np.float32).reshape(fc.shape))


def colour_matched(out_path, style_path, dst):
    """The engine's default colour match (strength 1, one region)."""
    o = np.asarray(Image.open(out_path).convert("RGB"), np.float64) / 255
    s = np.asarray(Image.open(style_path).convert("RGB"), np.float64) / 255
    wo, ws = np.ones((1,) + o.shape[:2]), np.ones((1,) + s.shape[:2])
    M, b = colour.color_map(colour.moments(o, wo)[0], colour.moments(s, ws)[0], 1.0)
    a = colour.apply(o, wo, [(M, b)])
    Image.fromarray((a * 255 + 0.5).astype(np.uint8)).save(dst)


def blurred(im, radius):
    return im.filter(ImageFilter.GaussianBlur(radius))


def table(rows, order, kinds):
    out = ["| candidate | target | pairs | texture_ratio | style_ratio | content_ssim | "
           "+cm texture | +cm style | +cm ssim | feature loss end | s/pair | "
           + " | ".join("texture " + short(c) + " / " + short(s) for c, s in PAIRS) + " |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
           + " | ".join("---:" for _ in PAIRS) + " |"]
    for cand in order:
        for kind in kinds:
            rs = [r for r in rows if r["candidate"] == cand and r["kind"] == kind]
            if not rs:
                continue
            by_pair = {r["pair"]: r for r in rs}
            m = lambda f: "%.3f" % np.mean([float(r[f]) for r in rs])  # noqa: E731
            per = [by_pair.get(short(c) + " / " + short(s), {}).get("texture_ratio", "")
                   for c, s in PAIRS]
            out.append("| %s | %s | %d | %s | %s | %.0f | %s |" % (
                cand, kind, len(rs), " | ".join(m(f) for f in FIGS + ["cm_" + f for f in FIGS]),
                m("loss_end"), np.mean([float(r["seconds"]) for r in rs]), " | ".join(per)))
    return "\n".join(out)


def screen_candidate(args, name, spec, kinds, rows, tsv, inputs, setting):
    """Every pair and kind for one candidate encoder (rows already in the
    results file are skipped); writes the images, the rows and the sheet."""
    net = candidates.VGGFeatures.from_file(spec).eval()
    for p in net.parameters():
        p.requires_grad_(False)
    sheet_rows = []
    for c_name, s_name in PAIRS[:args.pairs]:
        pair = short(c_name) + " / " + short(s_name)
        cpath, spath = pair_inputs(inputs, c_name, s_name, args.size)
        cim, sim = Image.open(cpath).convert("RGB"), Image.open(spath).convert("RGB")
        c, s = to_tensor(cim), to_tensor(sim)
        with torch.no_grad():
            fc, fs = features(net, c), features(net, s)
        row_imgs = [cpath, spath]
        for kind in kinds:
            start_im = cim if kind != "style" else cim.resize(sim.size, Image.LANCZOS)
            if args.init == "blur":
                start_im = blurred(start_im, args.blur)
            tag = "%s_%s_%d_%d_tv%g" % (kind, args.init, args.size, args.steps, args.w_tv)
            odir = os.path.join(args.out, name, tag)
            os.makedirs(odir, exist_ok=True)
            opath = os.path.join(odir, "%s__%s.png" % (short(c_name), short(s_name)))
            cmpath = opath[:-4] + "_cm.png"
            row_imgs += [opath, cmpath] if kind in MIXED else [opath]
            key = dict(candidate=name, kind=kind, pair=pair, **setting)
            if any(all(r.get(k) == v for k, v in key.items()) for r in rows) \
                    and os.path.exists(cmpath):
                continue
            t0 = time.time()
            warm_t = ""
            if kind == "transfer":
                C = fc.shape[1]
                tgt, info = engine_recon.solve(fc[0].reshape(C, -1).double().numpy(),
                                               fs[0].reshape(C, -1).double().numpy(),
                                               args.gamma, 0.0, args.iterations)
                target = torch.from_numpy(tgt).float().reshape(fc.shape)
                warm_t = "%.4g" % info["t"]
            elif kind == "patch":
                target = patch_target(args.recon_dump, fc, fs)
            else:
                target = fs if kind == "style" else fc
            res, l0, l1 = invert(net, target, to_tensor(start_im), args.steps, args.w_tv)
            sec = time.time() - t0
            to_image(res).save(opath)
            colour_matched(opath, spath, cmpath)
            q, qc = quality(cpath, spath, opath), quality(cpath, spath, cmpath)
            row = dict(key, spec=spec, seconds="%.1f" % sec, warm_t=warm_t,
                       loss_start="%.4g" % l0, loss_end="%.4g" % l1,
                       **{f: q[f] for f in FIGS}, **{"cm_" + f: qc[f] for f in FIGS})
            rows.append(row)
            with open(tsv, "a") as f:
                f.write("\t".join(row[k] for k in COLS) + "\n")
            print("%-18s %-9s %-34s %5.1fs loss %.3g->%.3g  %s | cm %s" % (
                name, kind, pair, sec, l0, l1, " ".join("%s=%s" % (f, q[f]) for f in FIGS),
                " ".join("%s=%s" % (f, qc[f]) for f in FIGS)), flush=True)
        sheet_rows.append(row_imgs)
    cols = " | ".join(["content", "style"] + sum(
        ([k, k + " + colour match"] if k in MIXED else [k + " inverted"]
         for k in kinds), []))
    sheet = "%s_engine_%s_%s_%d_%d_tv%g_sheet.jpg" % (name, "_".join(kinds), args.init,
                                                    args.size, args.steps, args.w_tv)
    contact_sheet(sheet_rows, os.path.join(args.out, sheet),
                  label="%s, init %s" % (name, args.init), columns=cols)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cand", action="append", default=[], help="NAME=FILE (safetensors encoder)")
    ap.add_argument("--out", default="/var/tmp/sst-screen2/engine")
    ap.add_argument("--size", type=int, default=128, help="long side in px")
    ap.add_argument("--steps", type=int, default=40, help="L-BFGS iterations")
    ap.add_argument("--w-tv", type=float, default=0.01)
    ap.add_argument("--init", choices=["content", "blur"], default="content")
    ap.add_argument("--blur", type=float, default=3.0, help="Gaussian radius for --init blur")
    ap.add_argument("--kinds", default="transfer,style", help="of " + ",".join(KINDS))
    ap.add_argument("--gamma", type=float, default=30.0)
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--recon-dump", default="build/tests/train/recon_dump",
                    help="the engine's reconstruction as a program (kind patch)")
    ap.add_argument("--pairs", type=int, default=len(PAIRS), help="first N pairs only")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--table", default=None, help="also write the markdown table here")
    ap.add_argument("--table-only", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    kinds = args.kinds.split(",")
    if any(k not in KINDS for k in kinds):
        sys.exit("screen_engine_path: unknown kind in %s (use %s)" % (args.kinds, ",".join(KINDS)))

    os.makedirs(args.out, exist_ok=True)
    tsv = os.path.join(args.out, "engine_results.tsv")
    rows = read_rows(tsv)
    if not rows:
        with open(tsv, "w") as f:
            f.write("\t".join(COLS) + "\n")
    inputs = os.path.join(args.out, "inputs_%d" % args.size)
    os.makedirs(inputs, exist_ok=True)
    setting = dict(init=args.init, size=str(args.size), steps=str(args.steps), w_tv=str(args.w_tv))

    order = [cs.split("=", 1)[0] for cs in args.cand]
    if not args.table_only:
        for name, spec in (cs.split("=", 1) for cs in args.cand):
            screen_candidate(args, name, spec, kinds, rows, tsv, inputs, setting)

    sel = [r for r in rows if all(r[k] == v for k, v in setting.items())]
    emit_table(table(sel, order, kinds), args.table)


if __name__ == "__main__":
    main()
