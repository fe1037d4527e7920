#!/usr/bin/python3
"""Train a style-contrastive encoder (issue 14 candidate), VGG19 topology.

Why: the engine matches second-order feature statistics per region, so the
encoder should make those statistics carry texture identity.  The objective
asks exactly that: the normalised (mean, covariance) vector of relu2_1,
relu3_1 and relu4_1 of two augmented crops of one corpus image must be
closer to each other than to the vectors of the other images in the batch
(symmetric InfoNCE).  A per-channel variance hinge keeps every channel alive
(a dead channel carries nothing for the decoder), and an optional anchor to
the starting encoder's relu3_1 features keeps them informative about the
content (weak, --w-anchor).

Same layer names and shapes as weights/encoder.safetensors (the engine and
converter keep working); enc.conv0, the fixed colour normalisation, is not
trained.  Starts from --init (default: the shipped random encoder).

Data: the images of tools/collect_data.py (--data DIR with MANIFEST.tsv and
images/); never ../shared/data.  wesnoth-1.16-data (game portraits) is
limited to half of the draws, as for the decoders.

Resumable: a checkpoint (model, Adam, step, numpy RNG state) is written to
--ckpt-dir every --ckpt-minutes and at the end; --resume continues it;
--budget-minutes stops the run after that much wall time (the weights file
is written at every checkpoint).

  nice -n 10 /usr/bin/python3 tools/train/train_encoder_contrastive.py \
      --out /var/tmp/sst-encoder/contrastive.safetensors --budget-minutes 45 [--resume]
"""
import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "screen"))
import weights_common  # noqa: E402
from weights_common import load_safetensors, save_safetensors, sha256_file  # noqa: E402
from candidates import VGGFeatures  # noqa: E402

LAYERS = ["relu2_1", "relu3_1", "relu4_1"]


def read_manifest(data, min_side=0):
    """(image, package) of the manifest rows whose stored short side is at
    least min_side; the rule device_decoders.sh stages by, so a staged
    folder holds exactly the images drawn."""
    rows, _ = weights_common.read_manifest(data)
    return [(r[0], r[1]) for r in rows if min(weights_common.stored_size(r)) >= min_side]


def pick_image(rng, images):
    """Half of the draws from wesnoth (if present), half from the rest."""
    wes = [n for n, p in images if p.startswith("wesnoth")]
    rest = [n for n, p in images if not p.startswith("wesnoth")]
    if wes and rest and rng.random() < 0.5:
        return wes[rng.integers(len(wes))]
    pool = rest or wes
    return pool[rng.integers(len(pool))]


def view_plan(rng, size, crop, jitter):
    """The random draws of two views of an image of size (w, h): the image
    is seen as rescaled so its short side is 2-4 crops (both views then
    share one texture scale), each view a square at an independent
    position, scale (0.8-1.25) and flip, with per-channel gains and a
    brightness offset.  Returned as boxes in the original image, so only
    the crop is resized (a whole-image resize per view was the CPU's
    bottleneck)."""
    w, h = size
    s = min(1.0, crop * rng.uniform(2.0, 4.0) / min(w, h))
    plans = []
    for _ in range(2):
        side = min(crop * rng.uniform(0.8, 1.25) / s, w, h)
        x0 = rng.uniform(0.0, w - side)
        y0 = rng.uniform(0.0, h - side)
        flip = rng.random() < 0.5
        gains = rng.uniform(1.0 - jitter, 1.0 + jitter, 3).astype(np.float32)
        offset = np.float32(rng.uniform(-jitter, jitter) * 0.5)
        plans.append(((x0, y0, x0 + side, y0 + side), flip, gains, offset))
    return plans


def make_view(im, plan, crop, jitter):
    box, flip, gains, offset = plan
    v = im.resize((crop, crop), Image.BILINEAR, box=box)
    if flip:
        v = v.transpose(Image.FLIP_LEFT_RIGHT)
    a = np.asarray(v, dtype=np.float32) / 255.0
    if jitter:
        # independent colour per view: mean colour alone must not be
        # enough to match the two views
        a = np.clip(a * gains + offset, 0.0, 1.0)
    return a


class Views:
    """Batches of view pairs.  Every random draw is made here, in order, so
    a run does not depend on --workers; the resizes run in a thread pool
    (PIL releases the GIL).  Decoded images are kept (up to --cache)."""

    def __init__(self, data, images, crop, jitter, workers, cache):
        self.data, self.images, self.crop, self.jitter = data, images, crop, jitter
        self.cache, self.cache_max = {}, cache
        self.pool = ThreadPoolExecutor(workers) if workers > 1 else None

    def image(self, name):
        im = self.cache.get(name)
        if im is None:
            with Image.open(os.path.join(self.data, "images", name)) as f:
                im = f.convert("RGB")
            if len(self.cache) < self.cache_max:
                self.cache[name] = im
        return im

    def batch(self, rng, n):
        jobs = []
        for _ in range(n):
            im = self.image(pick_image(rng, self.images))
            jobs.append((im, view_plan(rng, im.size, self.crop, self.jitter)))
        flat = [(im, p) for im, ps in jobs for p in ps]
        views = list((self.pool.map if self.pool else map)(
            lambda ip: make_view(ip[0], ip[1], self.crop, self.jitter), flat))
        a, b = views[0::2], views[1::2]
        return torch.from_numpy(np.stack(a + b)).permute(0, 3, 1, 2).contiguous()


def style_vector(f):
    """Per image: channel means and the upper triangle of the channel
    covariance, L2-normalised (scale free, so only the shape of the
    statistics counts)."""
    n, c, h, w = f.shape
    x = f.reshape(n, c, h * w)
    mu = x.mean(2)
    xc = x - mu[:, :, None]
    cov = xc @ xc.transpose(1, 2) / (h * w)
    iu = torch.triu_indices(c, c)
    v = torch.cat([mu, cov[:, iu[0], iu[1]]], 1)
    return F.normalize(v, dim=1)


def info_nce(v, tau):
    """v: [2n, d], rows i and i+n are the two views of image i."""
    n = v.shape[0] // 2
    sim = v @ v.t() / tau
    sim.fill_diagonal_(float("-inf"))
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(v.device)
    loss = F.cross_entropy(sim, target)
    acc = (sim.argmax(1) == target).float().mean()
    return loss, acc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--init", default="weights/encoder.safetensors")
    ap.add_argument("--data", default="/var/tmp/sst-encoder/data-old")
    ap.add_argument("--out", required=True)
    ap.add_argument("--ckpt-dir", default="/var/tmp/sst-encoder/ckpt")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--budget-minutes", type=float, default=45.0)
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--max-steps", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=8, help="images (2 views each)")
    ap.add_argument("--crop", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--tau", type=float, default=0.1)
    ap.add_argument("--w-var", type=float, default=1.0)
    ap.add_argument("--w-anchor", type=float, default=0.1)
    ap.add_argument("--jitter", type=float, default=0.2,
                    help="per-view colour gain range (+-) and brightness (+- half)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--workers", type=int, default=1,
                    help="threads that cut and resize the views (the draws do not change)")
    ap.add_argument("--cache", type=int, default=600, help="decoded images kept in memory")
    ap.add_argument("--min-side", type=int, default=0,
                    help="draw only images whose short side is at least this (a staged folder)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    init_t, _ = load_safetensors(args.init)
    dev = torch.device(args.device)
    net = VGGFeatures(init_t).to(dev)
    anchor = VGGFeatures(init_t).to(dev).eval()
    for p in anchor.parameters():
        p.requires_grad_(False)
    net.convs["enc_conv0"].weight.requires_grad_(False)
    net.convs["enc_conv0"].bias.requires_grad_(False)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=args.lr)
    rng = np.random.Generator(np.random.PCG64(args.seed))
    images = read_manifest(args.data, args.min_side)
    if not images:
        sys.exit("train_encoder_contrastive: no image of %s has a short side >= %d"
                 % (args.data, args.min_side))
    views = Views(args.data, images, args.crop, args.jitter, args.workers, args.cache)
    step, train_s = 0, 0.0
    os.makedirs(args.ckpt_dir, exist_ok=True)
    ckpt = os.path.join(args.ckpt_dir, "contrastive.pt")
    if args.resume and os.path.exists(ckpt):
        st = torch.load(ckpt, map_location=dev)
        net.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        rng.bit_generator.state = st["rng"]
        step, train_s = st["step"], st["train_s"]
        print("resumed at step %d" % step, flush=True)
    # channel std of the starting encoder on the first batch: the hinge target
    with torch.no_grad():
        probe = Views(args.data, images, args.crop, 0.0, 1, 0).batch(
            np.random.Generator(np.random.PCG64(12345)), 8)
        fa = anchor(probe.to(dev))
        std0 = {k: fa[k].transpose(0, 1).reshape(fa[k].shape[1], -1).std(1).mean() for k in LAYERS}

    def save(path_ckpt=True):
        meta = {"format": "semantic-style-weights", "net": "encoder",
                "objective": "style-contrastive InfoNCE on normalised (mean, covariance) of "
                             + ",".join(LAYERS),
                "init": os.path.basename(args.init), "init_sha256": sha256_file(args.init),
                "data_manifest_sha256": sha256_file(os.path.join(args.data, "MANIFEST.tsv")),
                "seed": args.seed, "steps": step, "train_seconds": "%.0f" % train_s,
                "args": json.dumps({k: v for k, v in vars(args).items() if k != "resume"}),
                "command": " ".join(sys.argv), "torch_version": torch.__version__,
                "device": str(dev)}
        tmp = args.out + ".tmp"
        save_safetensors(tmp, net.tensors(), meta)
        os.replace(tmp, args.out)
        if path_ckpt:
            torch.save({"model": net.state_dict(), "opt": opt.state_dict(),
                        "rng": rng.bit_generator.state, "step": step, "train_s": train_s},
                       ckpt + ".tmp")
            os.replace(ckpt + ".tmp", ckpt)

    t_start = time.time()
    t_ckpt = t_start
    while step < args.max_steps and time.time() - t_start < args.budget_minutes * 60:
        t0 = time.time()
        x = views.batch(rng, args.batch).to(dev, non_blocking=True)
        f = net(x)
        l_nce, accs, l_var = 0.0, [], 0.0
        for k in LAYERS:
            l, a = info_nce(style_vector(f[k]), args.tau)
            l_nce = l_nce + l / len(LAYERS)
            accs.append(a)
            sd = f[k].transpose(0, 1).reshape(f[k].shape[1], -1).std(1)
            l_var = l_var + F.relu(1.0 - sd / (0.5 * std0[k])).mean() / len(LAYERS)
        with torch.no_grad():
            fa = anchor(x, upto="relu3_1")["relu3_1"]
        l_anchor = ((f["relu3_1"] - fa) ** 2).mean() / (fa ** 2).mean()
        loss = l_nce + args.w_var * l_var + args.w_anchor * l_anchor
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        train_s += time.time() - t0
        if step % 10 == 0 or step == 1:
            print("step %5d  loss %.4f  nce %.4f  acc %s  var %.4f  anchor %.4f  %.1fs/step"
                  % (step, float(loss), float(l_nce), "/".join("%.2f" % float(a) for a in accs),
                     float(l_var), float(l_anchor), time.time() - t0), flush=True)
        if time.time() - t_ckpt > args.ckpt_minutes * 60:
            save()
            t_ckpt = time.time()
    save()
    print("done: step %d, %.0f s of steps, wrote %s" % (step, train_s, args.out), flush=True)


if __name__ == "__main__":
    main()
