#!/usr/bin/python3
"""Train a decoder that inverts the project's random encoder (Lu et al. 2017
feature inversion): loss = w_feat * ||E(D(F)) - F||^2 + w_pix * ||D(F) - x||^2
+ w_tv * TV(D(F)), F = E(x), E frozen (weights/encoder.safetensors).

Data: the images gathered by tools/collect_data.py (Debian packages only).
Random crops with horizontal flips; crop positions/images drawn from numpy's
PCG64(seed), network init and everything else from torch.manual_seed(seed).
A checkpoint (model, Adam state, step, RNG states) is written to --ckpt-dir
every --ckpt-minutes, and the F16 weights file --out is rewritten at the same
time, so an interrupted run leaves a usable file and --resume continues it.

Mixed features (--mix P): the decoder at inference time does not see clean
encodings E(x) but the engine's reconstructions, which for the linear,
polynomial and BN kernels are per-region affine maps of the content feature
(A_k F_c + b_k, interpolated towards the style by gamma), blended across
regions with soft masks.  With probability P a sample's input is replaced by
such a mixture, using another crop of the same batch as the style:
mean shift (linear kernel), AdaIN (BN kernel) or whitening-colouring (WCT,
float64 eigendecomposition; Gram/poly kernel), each interpolated with a
random strength alpha in [0,1], and with probability --mix-regions a soft
two-region blend of two such results.  A mixed sample has no pixel target,
so its loss is the feature-inversion term (+ TV) only; clean samples keep the
pixel term.  All mix draws come from the same PCG64 stream as the crops, so
resume stays deterministic.

Statistics term (--w-stat W, default 0, which no shipped decoder used):
W * (|mean E(D(F)) - mean F|^2 + |cov E(D(F)) - cov F|_F^2) / C per sample,
the channel statistics the engine matches, which a decoder trained on the
feature error alone draws only in part (a second pass then moves more).
Tried as a 1,048-step CPU fine-tune (weights/SCREENING.md, "A decoder
fine-tuned to draw the statistics"): no step towards one pass doing the
work of two.

Example:
  nice -n 10 /usr/bin/python3 tools/train/train_decoder.py --layer relu3_1 \
      --steps 4000 --seed 1 --out weights/decoder_relu3_1.safetensors
"""
import argparse
import os
import signal
import sys
import time

import numpy as np
import torch
import torch.nn.functional as Fn
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sst_torch import Decoder, Encoder  # noqa: E402
from weights_common import read_manifest as load_manifest, sha256_file, stored_size  # noqa: E402


class Sampler:
    """Image choice weighted by area, with wesnoth-1.16-data (mostly game
    portraits, ~88% of the files) limited to half of the draws so the photos
    and wallpapers of the other packages are not drowned out."""

    def __init__(self, rows, data_dir, crop, rng):
        self.paths = [os.path.join(data_dir, "images", r[0]) for r in rows]
        area = np.array([np.prod(stored_size(r)) for r in rows], float)
        wes = np.array([r[1] == "wesnoth-1.16-data" for r in rows])
        # images smaller than the crop are never drawn (at crop 128 none is)
        area *= np.array([min(stored_size(r)) >= crop for r in rows])
        p = np.where(wes, 0.5 * area / area[wes].sum(), 0.5 * area / area[~wes].sum())
        self.p = p / p.sum()
        self.crop = crop
        self.rng = rng
        self.cache = {}

    def image(self, i):
        a = self.cache.get(i)
        if a is None:
            with Image.open(self.paths[i]) as im:
                a = np.asarray(im.convert("RGB"))
            if len(self.cache) < 2000:
                self.cache[i] = a
        return a

    def batch(self, n):
        out = np.empty((n, self.crop, self.crop, 3), np.uint8)
        for k in range(n):
            i = int(self.rng.choice(len(self.p), p=self.p))
            a = self.image(i)
            h, w, _ = a.shape
            y = int(self.rng.integers(0, h - self.crop + 1))
            x = int(self.rng.integers(0, w - self.crop + 1))
            c = a[y:y + self.crop, x:x + self.crop]
            if self.rng.integers(0, 2):
                c = c[:, ::-1]
            out[k] = c
        t = torch.from_numpy(out).permute(0, 3, 1, 2).float() / 255.0
        return t.contiguous()


MIX_KINDS = ("mean", "adain", "wct")


def _stats(f):
    """Per-channel mean (C,1) and centred feature (C,N) of one C x H x W map."""
    c = f.reshape(f.shape[0], -1)
    mu = c.mean(1, keepdim=True)
    return mu, c - mu


class _WctFactors:
    """Whitening and colouring matrices of each sample's feature covariance,
    computed at most once per batch (float64 eigendecomposition on the
    feature's device, so a GPU run does not wait for the CPU).
    eps * mean eigenvalue regularises near-singular covariances."""

    def __init__(self, f, eps=1e-3):
        self.f = f
        self.eps = eps
        self.cache = {}

    def get(self, i):
        hit = self.cache.get(i)
        if hit is None:
            fi = self.f[i].double()
            C = fi.shape[0]
            mu, cc = _stats(fi)
            cov = cc @ cc.t() / cc.shape[1]
            eye = torch.eye(C, dtype=torch.float64, device=fi.device)
            d, e = torch.linalg.eigh(cov + self.eps * cov.trace() / C * eye)
            white = e @ torch.diag(d.clamp_min(1e-12).rsqrt()) @ e.t()
            colour = e @ torch.diag(d.clamp_min(0).sqrt()) @ e.t()
            hit = self.cache[i] = (mu, cc, white, colour)
        return hit

    def wct(self, i, j):
        """Whitening-colouring transform of sample i towards sample j: the
        output has j's mean and covariance (the affine map a Gram/poly
        kernel drives towards)."""
        _, cc, white, _ = self.get(i)
        ms, _, _, colour = self.get(j)
        out = colour @ (white @ cc) + ms
        return out.reshape(self.f[i].shape).to(self.f.dtype)


def transfer(kind, f, i, j, wct):
    """Full-strength statistics transfer of sample f[i] towards f[j]."""
    fc, fs = f[i], f[j]
    if kind == "mean":
        return fc - _stats(fc)[0].reshape(-1, 1, 1) + _stats(fs)[0].reshape(-1, 1, 1)
    if kind == "adain":
        mc, cc = _stats(fc)
        ms, cs = _stats(fs)
        sc = cc.pow(2).mean(1, keepdim=True).add(1e-8).sqrt()
        ss = cs.pow(2).mean(1, keepdim=True).add(1e-8).sqrt()
        return (cc / sc * ss + ms).reshape(fc.shape)
    return wct.wct(i, j)


def soft_mask(h, w, rng):
    """A soft two-region mask: a random straight boundary through the crop,
    smoothed by a logistic of random width (like the engine's feathered
    label maps)."""
    th = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    d = (xx - rng.uniform(0.25, 0.75) * w) * np.cos(th) + \
        (yy - rng.uniform(0.25, 0.75) * h) * np.sin(th)
    m = 1.0 / (1.0 + np.exp(-d / rng.uniform(0.5, 4.0)))
    return torch.from_numpy(m).float()


def mix_batch(f, p, p_regions, rng):
    """Replace each sample of the encoded batch f (n,C,H,W) with probability p
    by an engine-like mixture with the other samples' features as styles.
    Returns the new batch and a float mask (n,) that is 1 for clean samples.
    Every random draw comes from rng (the checkpointed PCG64 stream)."""
    n = f.shape[0]
    out = f.clone()
    clean = torch.ones(n, device=f.device)
    if n < 2 or p <= 0:
        return out, clean
    wct = _WctFactors(f)

    def one(i):
        j = (i + int(rng.integers(1, n))) % n     # another crop as the style
        kind = MIX_KINDS[int(rng.integers(0, len(MIX_KINDS)))]
        alpha = float(rng.uniform(0.0, 1.0))
        return f[i] + alpha * (transfer(kind, f, i, j, wct) - f[i])

    for i in range(n):
        if rng.uniform() >= p:
            continue
        clean[i] = 0.0
        a = one(i)
        if rng.uniform() < p_regions:
            m = soft_mask(f.shape[2], f.shape[3], rng).to(f.device)
            a = m * a + (1 - m) * one(i)
        out[i] = a
    return out, clean


def stat_loss(e, t):
    """Mean over the batch of the squared distance between the channel
    means and covariances of e and t (n,C,H,W): the statistics the engine's
    reconstruction matches, which a decoder trained on the feature error
    alone draws only in part (its output regresses towards the average,
    with less variance than asked for; README, "Passes")."""
    n, C = e.shape[:2]
    e = e.reshape(n, C, -1)
    t = t.reshape(n, C, -1)
    me, mt = e.mean(2, keepdim=True), t.mean(2, keepdim=True)
    ce, ct = e - me, t - mt
    cov_e = ce @ ce.transpose(1, 2) / ce.shape[2]
    cov_t = ct @ ct.transpose(1, 2) / ct.shape[2]
    return (((me - mt) ** 2).sum((1, 2)) / C
            + ((cov_e - cov_t) ** 2).sum((1, 2)) / C).mean()


def tv_loss(y):
    return ((y[:, :, 1:, :] - y[:, :, :-1, :]).abs().mean()
            + (y[:, :, :, 1:] - y[:, :, :, :-1]).abs().mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layer", choices=["relu3_1", "relu4_1"], required=True)
    ap.add_argument("--encoder", default="weights/encoder.safetensors")
    ap.add_argument("--data", default="/var/tmp/sst-data")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=4000, help="total steps")
    ap.add_argument("--max-minutes", type=float, default=0,
                    help="stop (and export) after this many minutes of this run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--decay-start", type=int, default=-1,
                    help="from this step on, cosine-decay the learning rate "
                         "to 0 at --steps (default: constant lr)")
    ap.add_argument("--warmup", type=int, default=0,
                    help="ramp the learning rate linearly over the first N "
                         "steps (keeps the deeper relu4_1 decoder from "
                         "killing all its ReLUs in the first steps)")
    ap.add_argument("--w-feat", type=float, default=1.0)
    ap.add_argument("--w-pix", type=float, default=1.0)
    ap.add_argument("--w-tv", type=float, default=0.01)
    ap.add_argument("--w-stat", type=float, default=0.0,
                    help="weight of the statistics term: channel means and "
                         "covariances of E(D(F)) against those of F (0 = off)")
    ap.add_argument("--mix", type=float, default=0.0,
                    help="probability that a sample's input is an engine-like "
                         "mixture with another crop's features (see above)")
    ap.add_argument("--mix-regions", type=float, default=0.3,
                    help="probability that a mixed sample is a soft "
                         "two-region blend of two mixtures")
    ap.add_argument("--budget-minutes", type=float, default=0,
                    help="fit the schedule to a wall-clock budget: after "
                         "--probe-steps steps, set --steps from the measured "
                         "speed so the run ends within the budget, and "
                         "--decay-start to --decay-frac of it.  Before the "
                         "probe the lr depends on the step only, so the "
                         "printed single-run command (fixed --steps and "
                         "--decay-start) reproduces the same schedule")
    ap.add_argument("--probe-steps", type=int, default=200)
    ap.add_argument("--decay-frac", type=float, default=0.5)
    ap.add_argument("--init", default="",
                    help="start from this decoder weights file (fresh Adam "
                         "state) instead of PyTorch's default init")
    ap.add_argument("--stop-step", type=int, default=0,
                    help="stop (and export) at this step without changing "
                         "the schedule (reproduces a stage that was cut short)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--ckpt-dir", default="/var/tmp/sst-train")
    ap.add_argument("--ckpt-minutes", type=float, default=4.0)
    ap.add_argument("--resume", action="store_true",
                    help="continue from CKPT_DIR/decoder_<layer>.pt")
    ap.add_argument("--log-every", type=int, default=25)
    args = ap.parse_args()
    if args.budget_minutes and args.probe_steps < 2:
        ap.error("--probe-steps must be at least 2 (the speed is timed over "
                 "its second half)")

    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)   # near-dead units otherwise crawl on CPU
    torch.manual_seed(args.seed)
    dev = torch.device(args.device)
    if dev.type == "cuda":
        torch.backends.cudnn.benchmark = True
    rows, man_sha = load_manifest(args.data)
    rng = np.random.Generator(np.random.PCG64(args.seed))
    sampler = Sampler(rows, args.data, args.crop, rng)
    enc = Encoder(args.encoder, args.layer).to(dev).eval()
    enc_sha = sha256_file(args.encoder)
    dec = Decoder(args.layer)
    if args.init:
        dec.load_file(args.init)
        dec = dec.float()   # the file holds F16
    dec = dec.to(dev)
    opt = torch.optim.Adam(dec.parameters(), lr=args.lr)
    os.makedirs(args.ckpt_dir, exist_ok=True)
    ckpt = os.path.join(args.ckpt_dir, "decoder_%s.pt" % args.layer)
    step = 0
    train_s = 0.0
    start_step = 0
    if args.resume and os.path.exists(ckpt):
        st = torch.load(ckpt, map_location="cpu", weights_only=False)
        dec.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        step = st["step"]
        train_s = st["train_s"]
        rng.bit_generator.state = st["np_rng"]
        torch.set_rng_state(st["torch_rng"])
        print("resumed at step %d (%.1f min trained)" % (step, train_s / 60))
    start_step = step
    cmd = " ".join(["/usr/bin/python3"] + sys.argv)

    def save(final=False):
        torch.save({"model": dec.state_dict(), "opt": opt.state_dict(),
                    "step": step, "train_s": train_s,
                    "np_rng": rng.bit_generator.state,
                    "torch_rng": torch.get_rng_state(), "args": vars(args)},
                   ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)
        dec.save_file(args.out, {
            "command": cmd, "seed": str(args.seed), "steps": str(step),
            "crop": str(args.crop), "batch": str(args.batch), "lr": str(args.lr),
            "decay_start": str(args.decay_start),
            "warmup": str(args.warmup),
            "loss": "w_feat*mse(E(D(F)),F) + w_pix*mse(D(F),x) + w_tv*TV"
                    + (" + w_stat*stats(E(D(F)),F); w=%g,%g,%g,%g"
                       % (args.w_feat, args.w_pix, args.w_tv, args.w_stat)
                       if args.w_stat > 0 else "; w=%g,%g,%g"
                       % (args.w_feat, args.w_pix, args.w_tv)),
            "mix": str(args.mix), "mix_regions": str(args.mix_regions),
            "mix_kinds": ",".join(MIX_KINDS) + " (alpha~U[0,1], style = other "
                         "crop of the batch; pixel term on clean samples only)",
            "resumed_from_step": str(start_step),
            "init": os.path.basename(args.init) if args.init else "default",
            "data_manifest_sha256": man_sha, "encoder_sha256": enc_sha,
            "train_seconds": "%.0f" % train_s, "device": str(dev),
            "torch_version": torch.__version__, "final": str(final).lower()})
        print("saved step %d -> %s" % (step, args.out), flush=True)

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    t_start = time.time()
    t_ckpt = time.time()
    probe_t = None
    acc = np.zeros(4)
    pacc = np.zeros(2)
    nacc = 0
    while step < args.steps:
        t0 = time.time()
        if 0 <= args.decay_start <= step:
            frac = (step - args.decay_start) / max(1, args.steps - args.decay_start)
            for g in opt.param_groups:
                g["lr"] = args.lr * 0.5 * (1.0 + np.cos(np.pi * frac))
        else:
            ramp = min(1.0, (step + 1) / args.warmup) if args.warmup > 0 else 1.0
            for g in opt.param_groups:
                g["lr"] = args.lr * ramp
        x = sampler.batch(args.batch).to(dev)
        with torch.no_grad():
            f = enc(x)
            if args.mix > 0:
                f, clean = mix_batch(f, args.mix, args.mix_regions, rng)
            else:
                clean = torch.ones(x.shape[0], device=dev)
        y = dec(f)
        ey = enc(y)
        lf = Fn.mse_loss(ey, f)
        # pixel term only where there is a pixel target (clean samples),
        # normalised by the batch so a clean sample weighs as before
        lp_i = ((y - x) ** 2).mean(dim=(1, 2, 3))
        lp = (lp_i * clean).sum() / x.shape[0]
        lt = tv_loss(y)
        loss = args.w_feat * lf + args.w_pix * lp + args.w_tv * lt
        ls = torch.zeros(())
        if args.w_stat > 0:  # the shipped recipes' loss stays as it was
            ls = stat_loss(ey, f)
            loss = loss + args.w_stat * ls
        ncl = clean.sum().item()
        lp_clean = (lp_i * clean).sum().item() / ncl if ncl > 0 else float("nan")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        train_s += time.time() - t0
        acc += [lf.item(), lt.item(), time.time() - t0, ls.item()]
        nacc += 1
        if ncl > 0:
            pacc += [lp_clean * ncl, ncl]
        if step % args.log_every == 0:
            a = acc / nacc
            pc = pacc[0] / pacc[1] if pacc[1] > 0 else float("nan")
            print("step %6d feat %.5f pix(clean) %.5f (psnr %.2f) tv %.4f  lr %.2e"
                  "  %.2f s/step%s"
                  % (step, a[0], pc, -10 * np.log10(pc), a[1],
                     opt.param_groups[0]["lr"], a[2],
                     "  stat %.5f" % a[3] if args.w_stat > 0 else ""), flush=True)
            acc[:] = 0
            pacc[:] = 0
            nacc = 0
        if time.time() - t_ckpt > args.ckpt_minutes * 60:
            save()
            t_ckpt = time.time()
        if args.budget_minutes and step == start_step + args.probe_steps // 2:
            probe_t = time.time()
        if args.budget_minutes and step == start_step + args.probe_steps:
            rate = (time.time() - probe_t) / (args.probe_steps - args.probe_steps // 2)
            left = args.budget_minutes * 60 - (time.time() - t_start)
            args.steps = step + max(0, int(0.97 * left / rate))
            args.decay_start = max(step, int(args.decay_frac * args.steps))
            cmd = cmd + "  [resolved: --steps %d --decay-start %d]" % (
                args.steps, args.decay_start)
            print("budget: %.3f s/step, %.0f s left -> --steps %d --decay-start %d"
                  % (rate, left, args.steps, args.decay_start), flush=True)
        if args.max_minutes and time.time() - t_start > args.max_minutes * 60:
            break
        if args.stop_step and step >= args.stop_step:
            break
        if stop:
            print("SIGTERM: saving and stopping", flush=True)
            break
    save(final=step >= args.steps)


if __name__ == "__main__":
    main()
