#!/usr/bin/python3
"""Cheap CPU screen of candidate encoders for texture transfer (issue 14).

Why: a new encoder needs new decoders (hours of training) before the engine
can use it.  Gatys-style transfer by optimisation needs no decoder: if an
encoder's Gram matrices do not move brush strokes when the pixels are
optimised directly, no decoder will make them move.  So every candidate runs
the same optimisation on the same small fixed pairs and is scored with the
encoder-independent ../shared/tools/quality.py.

Per pair: content and style are resized to --size px on the long side (the
scores compare the result with these resized images, so resolution does not
count against the result); the image starts from the content and L-BFGS
minimises
    sum_l |G(F_l(x)) - G(F_l(s))|^2 / |G(F_l(s))|^2           l = relu1_1..relu4_1
  + w_c |F_c(x) - F_c(c)|^2 / |F_c(c)|^2                       c = --content-layer
with G the uncentred Gram matrix F F^T / (H W).  Both terms are relative, so
a candidate's feature scale does not change the balance.

Output in --out: <cand>/<pair>.png (result), <cand>_sheet.jpg (rows: content |
style | result), results.tsv (one row per candidate x pair, appended, so a run
can be resumed or extended), and SCREENING table markdown on stdout / --table.

Usage:
  nice -n 10 /usr/bin/python3 tools/screen/screen_encoders.py \
      --cand random=weights/encoder.safetensors --cand pixel=pixel \
      [--cand elu=elu:weights/encoder.safetensors] [--size 128 --steps 30]
"""
import argparse
import os
import subprocess
import sys
import time

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import candidates  # noqa: E402
from sheet import contact_sheet  # noqa: E402

DATA = "/work/shared/data/styletransfer"
QUALITY = "/work/shared/tools/quality.py"
# Fixed pairs (evaluation data, used for screening only): strokes, swirls,
# dabs, flat shapes and a portrait.
# Four pairs: on 2 shared cores one L-BFGS run at 128 px took 4-7 min, so a
# candidate costs about 20 min (tubingen / the_scream was dropped for that).
PAIRS = [
    ("adain_chicago.jpg", "neuralstyle_starry_night.jpg"),
    ("adain_sailboat.jpg", "adain_brushstrokes.jpg"),
    ("adain_cornell.jpg", "painterly_28.jpg"),
    ("adain_brad_pitt.jpg", "adain_woman_with_hat_matisse.jpg"),
]
FIGS = ["texture_ratio", "style_ratio", "content_ssim"]


def load_resized(path, size):
    im = Image.open(path).convert("RGB")
    s = size / max(im.size)
    im = im.resize((max(16, round(im.size[0] * s)), max(16, round(im.size[1] * s))),
                   Image.LANCZOS)
    return im


def pair_inputs(inputs, c_name, s_name, size):
    """Paths of the pair's content and style resized to size (written on
    first use into the folder inputs)."""
    cpath = os.path.join(inputs, "c_" + c_name.rsplit(".", 1)[0] + ".png")
    spath = os.path.join(inputs, "s_" + s_name.rsplit(".", 1)[0] + ".png")
    if not os.path.exists(cpath):
        load_resized(os.path.join(DATA, "content", c_name), size).save(cpath)
    if not os.path.exists(spath):
        load_resized(os.path.join(DATA, "style", s_name), size).save(spath)
    return cpath, spath


def emit_table(md, path):
    """Prints the markdown table and writes it to path (None: only print)."""
    print(md)
    if path:
        with open(path, "w") as f:
            f.write(md + "\n")


def to_tensor(im):
    return torch.from_numpy(np.asarray(im, dtype=np.float32) / 255.0).permute(2, 0, 1)[None].contiguous()


def to_image(x):
    a = (x[0].permute(1, 2, 0).clamp(0, 1).numpy() * 255.0 + 0.5).astype(np.uint8)
    return Image.fromarray(a)


def gram(f):
    n, c, h, w = f.shape
    f = f.reshape(c, h * w)
    return f @ f.t() / (h * w)


def transfer(net, content, style, steps, w_content, content_layer):
    with torch.no_grad():
        gs = {k: gram(v) for k, v in net(style).items()}
        fc = net(content, upto=content_layer)[content_layer]
    gs_n = {k: (v * v).sum() for k, v in gs.items()}
    fc_n = (fc * fc).sum()
    x = content.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([x], lr=1.0, max_iter=steps, history_size=20,
                            tolerance_grad=0.0, tolerance_change=0.0,
                            line_search_fn="strong_wolfe")
    last = {}

    def closure():
        opt.zero_grad()
        f = net(x)
        ls = sum(((gram(f[k]) - gs[k]) ** 2).sum() / gs_n[k] for k in gs)
        lc = ((f[content_layer] - fc) ** 2).sum() / fc_n
        loss = ls + w_content * lc
        loss.backward()
        last["style"], last["content"] = float(ls), float(lc)
        return loss

    opt.step(closure)
    with torch.no_grad():
        x.clamp_(0, 1)
    return x.detach(), last


def quality(content, style, out):
    r = subprocess.run([sys.executable, QUALITY, content, style, out],
                       check=True, capture_output=True, text=True).stdout
    return dict(kv.split("=") for kv in r.split())


def read_rows(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        lines = f.read().splitlines()
    head = lines[0].split("\t")
    return [dict(zip(head, ln.split("\t"))) for ln in lines[1:] if ln]


def table(rows, order):
    """Markdown: one row per candidate, mean of each figure over its pairs,
    then the per-pair texture_ratio."""
    pairs = [c.split(".")[0].replace("adain_", "").replace("neuralstyle_", "") + " / " +
             s.split(".")[0].replace("adain_", "").replace("neuralstyle_", "") for c, s in PAIRS]
    out = ["| candidate | pairs | mean texture_ratio | mean style_ratio | mean content_ssim | "
           "s/pair | " + " | ".join("texture " + p for p in pairs) + " |",
           "| --- | ---: | ---: | ---: | ---: | ---: | " + " | ".join("---:" for _ in pairs) + " |"]
    for cand in order:
        rs = [r for r in rows if r["candidate"] == cand]
        if not rs:
            continue
        by_pair = {r["pair"]: r for r in rs}
        means = ["%.3f" % np.mean([float(r[f]) for r in rs]) for f in FIGS]
        per = [by_pair[p]["texture_ratio"] if p in by_pair else "" for p in pairs]
        sec = np.mean([float(r["seconds"]) for r in rs])
        out.append("| %s | %d | %s | %.0f | %s |" % (cand, len(rs), " | ".join(means), sec,
                                                     " | ".join(per)))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cand", action="append", default=[],
                    help="NAME=SPEC, SPEC = safetensors file | elu:FILE | pixel")
    ap.add_argument("--out", default="/var/tmp/sst-encoder/screen")
    ap.add_argument("--size", type=int, default=128, help="long side in px")
    ap.add_argument("--steps", type=int, default=30, help="L-BFGS iterations")
    ap.add_argument("--w-content", type=float, default=0.5)
    ap.add_argument("--content-layer", default="relu3_1")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--table", default=None, help="also write the markdown table here")
    ap.add_argument("--table-only", action="store_true",
                    help="run nothing: print the table of the --cand names from results.tsv")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)    # nothing is random today; fixed in case that changes

    tsv = os.path.join(args.out, "results.tsv")
    os.makedirs(args.out, exist_ok=True)
    rows = read_rows(tsv)
    cols = ["candidate", "spec", "pair", "size", "steps", "w_content", "content_layer",
            "seconds", "style_loss", "content_loss"] + FIGS
    if not rows:
        with open(tsv, "w") as f:
            f.write("\t".join(cols) + "\n")
    inputs = os.path.join(args.out, "inputs_%d" % args.size)
    os.makedirs(inputs, exist_ok=True)

    order = []
    for cs in args.cand:
        name, spec = cs.split("=", 1)
        order.append(name)
        if args.table_only:
            continue
        net = candidates.build(spec).eval()
        for p in net.parameters():
            p.requires_grad_(False)
        cdir = os.path.join(args.out, name)
        os.makedirs(cdir, exist_ok=True)
        sheet_rows = []
        for c_name, s_name in PAIRS:
            pair = (c_name.split(".")[0].replace("adain_", "").replace("neuralstyle_", "") + " / " +
                    s_name.split(".")[0].replace("adain_", "").replace("neuralstyle_", ""))
            cpath, spath = pair_inputs(inputs, c_name, s_name, args.size)
            opath = os.path.join(cdir, "%s__%s.png" % (c_name.split(".")[0], s_name.split(".")[0]))
            sheet_rows.append((cpath, spath, opath))
            key = (name, pair, str(args.size), str(args.steps), str(args.w_content),
                   args.content_layer)
            if any((r["candidate"], r["pair"], r["size"], r["steps"], r["w_content"],
                    r["content_layer"]) == key for r in rows) and os.path.exists(opath):
                continue
            t0 = time.time()
            res, last = transfer(net, to_tensor(Image.open(cpath)), to_tensor(Image.open(spath)),
                                 args.steps, args.w_content, args.content_layer)
            sec = time.time() - t0
            to_image(res).save(opath)
            q = quality(cpath, spath, opath)
            row = dict(candidate=name, spec=spec, pair=pair, size=str(args.size),
                       steps=str(args.steps), w_content=str(args.w_content),
                       content_layer=args.content_layer, seconds="%.1f" % sec,
                       style_loss="%.4g" % last["style"], content_loss="%.4g" % last["content"],
                       **{f: q[f] for f in FIGS})
            rows.append(row)
            with open(tsv, "a") as f:
                f.write("\t".join(row[c] for c in cols) + "\n")
            print("%-12s %-36s %5.1fs  %s" % (name, pair, sec,
                                               " ".join("%s=%s" % (f, q[f]) for f in FIGS)),
                  flush=True)
        contact_sheet(sheet_rows, os.path.join(args.out, name + "_sheet.jpg"), label=name)

    sel = [r for r in rows if r["size"] == str(args.size) and r["steps"] == str(args.steps)
           and r["w_content"] == str(args.w_content) and r["content_layer"] == args.content_layer]
    emit_table(table(sel, order), args.table)


if __name__ == "__main__":
    main()
