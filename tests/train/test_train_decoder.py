#!/usr/bin/python3
"""tools/train/train_decoder.py: the parts the shipped decoders depend on.

    test_train_decoder.py SOURCE_ROOT

1. Mixed features, against independent float64 numpy formulas:
   WCT output has the style sample's mean and (up to the documented
   eps-regularisation) covariance; AdaIN output has the style's per-channel
   mean and std; the mean shift moves only the mean; mix_batch with p = 0
   changes nothing and with p = 1 marks every sample as mixed; the
   statistics term (--w-stat) is the distance of the numpy moments.
2. The sampler never draws an image smaller than the crop.
3. End to end on a tiny synthetic data set with the real encoder (CPU, one
   thread, relu3_1, 32x32 crops):
   - a run stopped with --stop-step and continued with --resume gives the
     same weights as one uninterrupted run (the staged commands in
     weights/README.md rely on this);
   - --budget-minutes resolves --steps / --decay-start after the probe and
     records them in the file's metadata command;
   - --init starts from a given file (its first-step loss is that file's,
     far below a fresh decoder's; one step later its weights are still
     within the step's size of the file's, a fresh decoder's far from
     them) and is recorded in the metadata.

Needs /usr/bin/python3 with torch (python3-torch), numpy and PIL; without
them this test FAILS (it is never skipped).
"""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image

ROOT = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.join(ROOT, "tools", "train"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import train_decoder as td  # noqa: E402
from weights_common import load_safetensors  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402



def moments(a):
    """Mean (C,) and covariance (C,C) of a C x H x W array, float64."""
    x = a.reshape(a.shape[0], -1).astype(np.float64)
    mu = x.mean(1)
    c = x - mu[:, None]
    return mu, c @ c.T / c.shape[1]


def test_mixing():
    g = torch.Generator().manual_seed(7)
    C, H, W = 16, 20, 24
    # correlated, non-negative, differently scaled samples (like ReLU maps)
    mix = torch.randn(4, C, C, generator=g, dtype=torch.float64)
    raw = torch.randn(4, C, H * W, generator=g, dtype=torch.float64)
    f = torch.relu(torch.einsum("ncd,ndk->nck", mix, raw) + 0.5)
    f = f.reshape(4, C, H, W).float()
    fn = f.double().numpy()

    w = td._WctFactors(f, eps=1e-9)
    out = w.wct(0, 2).double().numpy()
    mo, co = moments(out)
    ms, cs = moments(fn[2])
    check(np.abs(mo - ms).max() < 1e-4 * np.abs(ms).max(),
          "WCT output has the style's mean (max err %.2e)" % np.abs(mo - ms).max())
    rel = np.abs(co - cs).max() / np.abs(cs).max()
    check(rel < 1e-4, "WCT output has the style's covariance (rel err %.2e)" % rel)

    out = td.transfer("adain", f, 1, 3, w).double().numpy()
    mo, co = moments(out)
    ms, cs = moments(fn[3])
    err = max(np.abs(mo - ms).max(), np.abs(np.sqrt(np.diag(co)) - np.sqrt(np.diag(cs))).max())
    check(err < 1e-4, "AdaIN output has the style's channel mean and std (err %.2e)" % err)

    out = td.transfer("mean", f, 1, 3, w).double().numpy()
    mo, co = moments(out)
    m1, c1 = moments(fn[1])
    err = max(np.abs(mo - moments(fn[3])[0]).max(), np.abs(co - c1).max())
    check(err < 1e-4, "mean shift moves the mean and keeps the covariance (err %.2e)" % err)

    # the statistics term (--w-stat) against the numpy moments
    e = f.flip(0)
    want = np.mean([(np.sum((moments(en)[0] - moments(tn)[0]) ** 2)
                     + np.sum((moments(en)[1] - moments(tn)[1]) ** 2)) / C
                    for en, tn in zip(e.double().numpy(), fn)])
    got = td.stat_loss(e.double(), f.double()).item()
    check(abs(got - want) < 1e-9 * want and want > 0,
          "stat_loss is the mean/covariance distance (%.6g vs numpy %.6g)" % (got, want))
    check(td.stat_loss(f, f).item() == 0.0, "stat_loss of equal batches is 0")

    rng = np.random.Generator(np.random.PCG64(3))
    o, clean = td.mix_batch(f, 0.0, 0.5, rng)
    check(torch.equal(o, f) and clean.tolist() == [1.0] * 4, "mix_batch p=0 is the identity")
    o, clean = td.mix_batch(f, 1.0, 0.5, rng)
    changed = [(o[i] - f[i]).abs().max().item() > 0 for i in range(4)]
    check(clean.tolist() == [0.0] * 4 and sum(changed) >= 3,
          "mix_batch p=1 mixes every sample (changed %s)" % changed)


def make_data(d):
    """Six synthetic images, two of them smaller than a 48 px crop."""
    os.makedirs(os.path.join(d, "images"))
    rows = ["image\tpackage\tversion\toriginal_path\toriginal_size\tstored_size\tlicence"]
    rng = np.random.Generator(np.random.PCG64(11))
    sizes = [(64, 80), (72, 72), (40, 90), (96, 64), (30, 30), (80, 100)]
    for k, (h, w) in enumerate(sizes):
        yy, xx = np.mgrid[0:h, 0:w]
        a = np.stack([128 + 100 * np.sin(xx / (3 + k) + c) * np.cos(yy / (4 + c))
                      for c in range(3)], -1) + rng.normal(0, 8, (h, w, 3))
        name = "img%d.png" % k
        Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(
            os.path.join(d, "images", name))
        pkg = "wesnoth-1.16-data" if k % 2 else "gnome-backgrounds"
        rows.append("\t".join([name, pkg, "1", "/x/" + name, "%dx%d" % (w, h),
                               "%dx%d" % (w, h), "CC0-1.0"]))
    with open(os.path.join(d, "MANIFEST.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    return sizes


def test_sampler(d, sizes):
    rows, _ = td.load_manifest(d)
    s = td.Sampler(rows, d, 48, np.random.Generator(np.random.PCG64(1)))
    small = [k for k, (h, w) in enumerate(sizes) if min(h, w) < 48]
    check(all(s.p[k] == 0 for k in small) and abs(s.p.sum() - 1) < 1e-12
          and all(s.p[k] > 0 for k in range(len(sizes)) if k not in small),
          "sampler excludes the %d images smaller than the crop" % len(small))
    b = s.batch(16)
    check(tuple(b.shape) == (16, 3, 48, 48), "sampler draws 16 crops of 48 px")


def train(d, out, *extra):
    cmd = ["/usr/bin/python3", os.path.join(ROOT, "tools", "train", "train_decoder.py"),
           "--layer", "relu3_1", "--encoder", os.path.join(ROOT, "weights", "encoder.safetensors"),
           "--data", d, "--out", out, "--seed", "5", "--crop", "32", "--batch", "2",
           "--lr", "1e-3", "--warmup", "2", "--w-pix", "5", "--mix", "0.5",
           "--threads", "1", "--log-every", "1"] + list(extra)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        print(r.stdout[-2000:], r.stderr[-2000:])
    check(r.returncode == 0, "train_decoder %s exits 0" % " ".join(extra))
    return r.stdout


def weights(path):
    t, meta = load_safetensors(path)
    return t, meta


def test_end_to_end(d):
    t = os.path.join(d, "t")
    os.makedirs(t)
    one = os.path.join(t, "one.safetensors")
    two = os.path.join(t, "two.safetensors")
    train(d, one, "--steps", "8", "--decay-start", "4", "--ckpt-dir", os.path.join(t, "c1"))
    train(d, two, "--steps", "8", "--decay-start", "4", "--stop-step", "3",
          "--ckpt-dir", os.path.join(t, "c2"))
    w3, m3 = weights(two)
    check(m3["steps"] == "3" and m3["final"] == "false", "--stop-step 3 stops at step 3")
    train(d, two, "--steps", "8", "--decay-start", "4", "--resume",
          "--ckpt-dir", os.path.join(t, "c2"))
    a, ma = weights(one)
    b, mb = weights(two)
    diff = max(np.abs(a[k].astype(np.float64) - b[k]).max() for k in a)
    check(ma["steps"] == mb["steps"] == "8" and diff == 0.0,
          "3 steps + resume to 8 equals 8 steps in one run (max diff %g)" % diff)
    moved = max(np.abs(a[k].astype(np.float64) - w3[k]).max() for k in a)
    check(moved > 0, "steps 4-8 changed the weights (max change %g)" % moved)

    # the statistics term runs, is logged and recorded in the metadata
    ws = os.path.join(t, "stat.safetensors")
    log = train(d, ws, "--steps", "2", "--w-stat", "0.5", "--ckpt-dir", os.path.join(t, "c6"))
    _, ms = weights(ws)
    check(re.search(r"step +2 .* stat [0-9.]+", log) is not None
          and "w_stat*stats(E(D(F)),F); w=1,5,0.01,0.5" in ms["loss"],
          "--w-stat is logged and recorded (%s)" % ms["loss"])

    bud = os.path.join(t, "budget.safetensors")
    log = train(d, bud, "--steps", "100000", "--budget-minutes", "0.02",
                "--probe-steps", "4", "--decay-frac", "0.5",
                "--ckpt-dir", os.path.join(t, "c3"))
    m = re.search(r"budget: .* -> --steps (\d+) --decay-start (\d+)", log)
    _, mb = weights(bud)
    ok = bool(m) and int(m.group(1)) >= 4 and int(m.group(2)) == max(4, int(m.group(1)) // 2)
    check(ok and ("--steps %s --decay-start %s" % m.groups()) in mb["command"]
          and mb["steps"] == m.group(1) and mb["decay_start"] == m.group(2),
          "--budget-minutes resolves and records --steps/--decay-start (%s)"
          % (str(m.groups()) if m else log[-300:]))

    def first_feat(text):
        return float(re.search(r"step +1 feat ([0-9.]+)", text).group(1))

    shipped = os.path.join(ROOT, "weights", "decoder_relu3_1.safetensors")
    fresh = first_feat(train(d, os.path.join(t, "f.safetensors"), "--steps", "1",
                             "--ckpt-dir", os.path.join(t, "c4")))
    init = first_feat(train(d, os.path.join(t, "i.safetensors"), "--steps", "1",
                            "--init", shipped, "--ckpt-dir", os.path.join(t, "c5")))
    # one Adam step moves a weight by about the step's lr (5e-4 here, warm-up
    # 2), so a run started from the file stays within a few 1e-4 of it; a
    # fresh decoder (PyTorch's default init) is nowhere near it.
    ref, _ = weights(shipped)
    wi, mi = weights(os.path.join(t, "i.safetensors"))
    wf, _ = weights(os.path.join(t, "f.safetensors"))
    d_init = max(np.abs(wi[k].astype(np.float64) - ref[k]).max() for k in ref)
    d_fresh = max(np.abs(wf[k].astype(np.float64) - ref[k]).max() for k in ref)
    check(d_init < 2e-3 and d_fresh > 0.05 and init < 0.5 * fresh
          and mi["init"] == "decoder_relu3_1.safetensors",
          "--init starts from the shipped decoder (after 1 step max |w - file| %.2g, "
          "fresh %.2g; first feat loss %.4f vs fresh %.4f)" % (d_init, d_fresh, init, fresh))


def main():
    torch.set_num_threads(1)
    test_mixing()
    with tempfile.TemporaryDirectory() as d:
        sizes = make_data(d)
        test_sampler(d, sizes)
        test_end_to_end(d)
    finish()


if __name__ == "__main__":
    main()
