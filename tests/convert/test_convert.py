#!/usr/bin/python3
"""tools/convert_weights.py end to end, against an independent reference.

    test_convert.py CONVERT_RUN SST_STYLIZE SOURCE_ROOT

1. Synthetic state dicts with the real key layouts and seeded random weights:
   torchvision vgg19 (model built like torchvision's make_layers, cfg "E";
   the classifier keeps its keys but is shrunk, the real one is 480 MB) and
   the pytorch-AdaIN vgg / decoder pair (the Sequentials of its net.py,
   written out below as upstream defines them).  Saved with torch.save.
2. The converter turns them into safetensors.
3. The C engine (convert_run, engine/nn.h) computes relu3_1 / relu4_1 of a
   64x48 image and decodes a relu4_1 feature map.
4. The same is computed by PyTorch in float64 with the ORIGINAL modules
   loaded from the .pth files (strict load_state_dict): torchvision = the
   ImageNet normalisation then features[:21] with reflection padding (the
   engine's documented convention), AdaIN = vgg[:31] and decoder as is.
   Max error relative to the largest reference magnitude must be < 1e-4.
5. sst-stylize runs on the converted AdaIN pair (relu4_1 picked by itself), and
   refuses the encoder-only torchvision directory.
6. Bad inputs (wrong shape, missing key, pickled model, list, checkpoint,
   vgg16 / vgg19_bn layouts, NaN, wrong file for the role, shipped weights/
   as --out) must fail with a clear message and write nothing.

Needs /usr/bin/python3 with torch (python3-torch) and numpy; without torch
this test FAILS (it is never skipped).
"""
import contextlib
import hashlib
import importlib.util
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
except ImportError as e:
    print("FAIL: this test needs /usr/bin/python3 with PyTorch and numpy "
          "(Debian: apt-get install python3-torch python3-numpy): %s" % e)
    sys.exit(1)

H, W = 48, 64
TOL = 1e-4
failures = 0
CW = None  # tools/convert_weights.py as a module (loaded in main)


def check(cond, msg):
    global failures
    if cond:
        print("ok   " + msg)
    else:
        failures += 1
        print("FAIL " + msg)


# ---------------------------------------------------------------- models --
def torchvision_vgg19():
    """torchvision.models.vgg19 layout (torchvision is not in Debian
    bookworm): features from cfg "E" exactly as make_layers builds them;
    classifier with the same module indices but tiny Linear layers."""
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
           512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]
    layers, cin = [], 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(cin, v, kernel_size=3, padding=1),
                       nn.ReLU(inplace=True)]
            cin = v
    m = nn.Module()
    m.features = nn.Sequential(*layers)
    m.avgpool = nn.AdaptiveAvgPool2d((1, 1))
    m.classifier = nn.Sequential(nn.Linear(512, 8), nn.ReLU(True),
                                 nn.Dropout(), nn.Linear(8, 8), nn.ReLU(True),
                                 nn.Dropout(), nn.Linear(8, 4))
    return m


def vgg16_features():
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M",
           512, 512, 512, "M", 512, 512, 512, "M"]
    layers, cin = [], 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(cin, v, 3, padding=1), nn.ReLU(True)]
            cin = v
    m = nn.Module()
    m.features = nn.Sequential(*layers)
    return m


def adain_decoder():
    # naoto0804/pytorch-AdaIN, net.py
    return nn.Sequential(
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(512, 256, (3, 3)),
        nn.ReLU(),
        nn.Upsample(scale_factor=2, mode='nearest'),
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(256, 256, (3, 3)),
        nn.ReLU(),
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(256, 256, (3, 3)),
        nn.ReLU(),
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(256, 256, (3, 3)),
        nn.ReLU(),
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(256, 128, (3, 3)),
        nn.ReLU(),
        nn.Upsample(scale_factor=2, mode='nearest'),
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(128, 128, (3, 3)),
        nn.ReLU(),
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(128, 64, (3, 3)),
        nn.ReLU(),
        nn.Upsample(scale_factor=2, mode='nearest'),
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(64, 64, (3, 3)),
        nn.ReLU(),
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(64, 3, (3, 3)),
    )


def adain_vgg():
    # naoto0804/pytorch-AdaIN, net.py
    return nn.Sequential(
        nn.Conv2d(3, 3, (1, 1)),
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(3, 64, (3, 3)),
        nn.ReLU(),  # relu1-1
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(64, 64, (3, 3)),
        nn.ReLU(),  # relu1-2
        nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True),
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(64, 128, (3, 3)),
        nn.ReLU(),  # relu2-1
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(128, 128, (3, 3)),
        nn.ReLU(),  # relu2-2
        nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True),
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(128, 256, (3, 3)),
        nn.ReLU(),  # relu3-1
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(256, 256, (3, 3)),
        nn.ReLU(),  # relu3-2
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(256, 256, (3, 3)),
        nn.ReLU(),  # relu3-3
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(256, 256, (3, 3)),
        nn.ReLU(),  # relu3-4
        nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True),
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(256, 512, (3, 3)),
        nn.ReLU(),  # relu4-1, this is the last layer used
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(512, 512, (3, 3)),
        nn.ReLU(),  # relu4-2
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(512, 512, (3, 3)),
        nn.ReLU(),  # relu4-3
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(512, 512, (3, 3)),
        nn.ReLU(),  # relu4-4
        nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True),
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(512, 512, (3, 3)),
        nn.ReLU(),  # relu5-1
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(512, 512, (3, 3)),
        nn.ReLU(),  # relu5-2
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(512, 512, (3, 3)),
        nn.ReLU(),  # relu5-3
        nn.ReflectionPad2d((1, 1, 1, 1)),
        nn.Conv2d(512, 512, (3, 3)),
        nn.ReLU()  # relu5-4
    )


def randomise(module):
    """He-normal weights, small random biases: activations keep a sensible
    scale through the whole net so every layer's error is visible."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.Conv2d):
                fan_in = m.in_channels * m.kernel_size[0] * m.kernel_size[1]
                m.weight.normal_(0.0, (2.0 / fan_in) ** 0.5)
                m.bias.normal_(0.0, 0.05)
    return module


# --------------------------------------------------------------- helpers --
def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def st_header(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n))


def rel_err(got, ref):
    return float(np.max(np.abs(got - ref)) / max(np.max(np.abs(ref)), 1e-30))


def compare(what, got, ref):
    check(got.shape == ref.shape, "%s: shape %s (reference %s)"
          % (what, got.shape, ref.shape))
    if got.shape == ref.shape:
        e = rel_err(got, ref)
        check(e < TOL, "%s: max |err| / max |ref| = %.2e (< %g), ref max %.3g"
              % (what, e, TOL, float(np.max(np.abs(ref)))))


def run_engine(convert_run, d, with_dec, rgb, feat4, prefix):
    rgb.astype(np.float32).tofile(prefix + ".rgb")
    args = [convert_run, os.path.join(d, "encoder.safetensors"),
            os.path.join(d, "decoder_relu4_1.safetensors") if with_dec else "-",
            str(H), str(W), prefix + ".rgb", "-", prefix]
    if with_dec:
        feat4.astype(np.float32).tofile(prefix + ".feat4")
        args[6] = prefix + ".feat4"
    r = subprocess.run(args, capture_output=True, text=True)
    check(r.returncode == 0, "convert_run on %s exits 0 (%s)"
          % (os.path.basename(d), (r.stderr or r.stdout).strip()[:300]))
    out = {}
    if r.returncode == 0:
        out["relu3_1"] = np.fromfile(prefix + ".relu3_1", np.float32).reshape(
            256, H // 4, W // 4)
        out["relu4_1"] = np.fromfile(prefix + ".relu4_1", np.float32).reshape(
            512, H // 8, W // 8)
        if with_dec:
            out["dec4"] = np.fromfile(prefix + ".dec4", np.float32).reshape(
                3, H, W)
    return out


def convert_cli(root, args):
    """The converter as a user runs it."""
    r = subprocess.run([sys.executable, os.path.join(root, "tools",
                                                     "convert_weights.py")]
                       + args, capture_output=True, text=True)
    print("  $ convert_weights.py %s\n    -> %d %s" % (
        " ".join(args), r.returncode,
        (r.stdout + r.stderr).strip().replace("\n", "\n       ")))
    return r


def test_image():
    g = torch.Generator().manual_seed(7)
    low = torch.rand(1, 3, H // 8, W // 8, generator=g)
    img = nn.functional.interpolate(low, size=(H, W), mode="bilinear",
                                    align_corners=False)
    img = img + 0.15 * torch.rand(1, 3, H, W, generator=g)
    return img.clamp(0, 1).to(torch.float32)


# ----------------------------------------------------------------- tests --
def test_torchvision(root, convert_run, tmp, x32):
    print("# torchvision vgg19")
    torch.manual_seed(1)
    pth = os.path.join(tmp, "vgg19-synthetic.pth")
    torch.save(randomise(torchvision_vgg19()).state_dict(), pth)

    out = os.path.join(tmp, "tv")
    # in-process: one PyTorch start less (the AdaIN case runs the script)
    rc = CW.main(["--torchvision-vgg19", pth, "--out", out])
    check(rc == 0, "torchvision conversion returns 0")
    enc = os.path.join(out, "encoder.safetensors")
    check(os.path.exists(enc) and not os.path.exists(
        os.path.join(out, "decoder_relu4_1.safetensors")),
        "torchvision: encoder.safetensors written, no decoder")
    if not os.path.exists(enc):
        return out, pth
    hdr = st_header(enc)
    meta = hdr.pop("__metadata__")
    check(meta.get("net") == "encoder" and
          meta.get("format") == "semantic-style-weights" and
          meta.get("source_sha256") == sha256(pth) and
          "zeros" in meta.get("conversion", ""),
          "torchvision: metadata names net, format, source sha256, padding")
    check(all(v["dtype"] == "F32" for v in hdr.values()) and len(hdr) == 20,
          "torchvision: 20 tensors, all F32")

    # Reference: the original module, loaded back from the file.
    ref = torchvision_vgg19()
    ref.load_state_dict(torch.load(pth), strict=True)
    f = ref.features[:21].double().eval()     # up to relu4_1, float64
    mean = torch.tensor([0.485, 0.456, 0.406], dtype=torch.float64)
    std = torch.tensor([0.229, 0.224, 0.225], dtype=torch.float64)
    xn = (x32.double() - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)
    with torch.no_grad():
        zero3 = f[:12](xn)[0].numpy()              # torchvision as it is
        zero4 = f[:21](xn)[0].numpy()
        for m in f:
            if isinstance(m, nn.Conv2d):
                m.padding_mode = "reflect"         # the engine's convention
        r3 = f[:12](xn)[0].numpy()                 # features.11 = relu3_1
        r4 = f[:21](xn)[0].numpy()                 # features.20 = relu4_1
    got = run_engine(convert_run, out, False, x32[0].numpy(), None,
                     os.path.join(tmp, "tv_run"))
    if got:
        compare("torchvision relu3_1 (engine F32 vs torch F64)",
                got["relu3_1"], r3)
        compare("torchvision relu4_1 (engine F32 vs torch F64)",
                got["relu4_1"], r4)
        # Away from the border the padding cannot matter: relu3_1 cells
        # 3 or more from the edge (3 convs at 1/4 resolution, 2 earlier
        # pooled-away rows) equal torchvision's own zero-padded output.
        compare("torchvision relu3_1 interior [3:-3, 3:-3] vs torchvision's "
                "zero padding", got["relu3_1"][:, 3:-3, 3:-3],
                zero3[:, 3:-3, 3:-3])
        # For information: how much zero padding (torchvision as trained)
        # differs from the engine's reflection padding on this small image.
        print("info torchvision relu4_1: engine (reflect) vs zero padding: "
              "max rel diff %.3f on %dx%d" % (rel_err(got["relu4_1"], zero4),
                                              W, H))
    return out, pth


def test_adain(root, convert_run, tmp, x32):
    print("# AdaIN vgg_normalised + decoder")
    torch.manual_seed(2)
    vgg = randomise(adain_vgg())
    with torch.no_grad():   # a colour conv like the real one: RGB -> BGR*255
        vgg[0].weight.copy_(255.0 * torch.eye(3).flip(0).view(3, 3, 1, 1)
                            + torch.randn(3, 3, 1, 1))
        vgg[0].bias.copy_(torch.tensor([-103.939, -116.779, -123.68]))
        vgg[2].weight.mul_(1.0 / 64.0)
    dec = randomise(adain_decoder())
    vpth = os.path.join(tmp, "vgg_normalised.pth")
    dpth = os.path.join(tmp, "decoder.pth")
    torch.save(vgg.state_dict(), vpth)
    torch.save(dec.state_dict(), dpth)

    out = os.path.join(tmp, "adain")
    r = convert_cli(root, ["--adain-vgg", vpth, "--adain-decoder", dpth,
                           "--out", out])
    check(r.returncode == 0, "AdaIN conversion exits 0")
    denc = os.path.join(out, "decoder_relu4_1.safetensors")
    enc = os.path.join(out, "encoder.safetensors")
    if not (os.path.exists(enc) and os.path.exists(denc)):
        check(False, "AdaIN: encoder and decoder_relu4_1 written")
        return out, vpth, dpth
    dmeta = st_header(denc)["__metadata__"]
    check(dmeta.get("net") == "decoder_relu4_1" and
          dmeta.get("source_sha256") == sha256(dpth) and
          dmeta.get("encoder_sha256") == sha256(enc),
          "AdaIN decoder metadata: net, source sha256, encoder sha256")
    check(st_header(enc)["__metadata__"].get("source_sha256") == sha256(vpth),
          "AdaIN encoder metadata: source sha256")

    rv, rd = adain_vgg(), adain_decoder()
    rv.load_state_dict(torch.load(vpth), strict=True)
    rd.load_state_dict(torch.load(dpth), strict=True)
    rv, rd = rv[:31].double().eval(), rd.double().eval()  # vgg to relu4_1
    with torch.no_grad():
        x = x32.double()
        r3 = rv[:18](x)[0].numpy()                 # vgg[17] = relu3_1
        r4 = rv[:31](x)[0].numpy()                 # vgg[30] = relu4_1
        feat = torch.from_numpy(r4).float()        # what the engine reads
        rdec = rd(feat.double()[None])[0].numpy()
    got = run_engine(convert_run, out, True, x32[0].numpy(), feat.numpy(),
                     os.path.join(tmp, "adain_run"))
    if got:
        compare("AdaIN relu3_1 (engine F32 vs torch F64)", got["relu3_1"], r3)
        compare("AdaIN relu4_1 (engine F32 vs torch F64)", got["relu4_1"], r4)
        compare("AdaIN decoder (engine F32 vs torch F64)", got["dec4"], rdec)
    return out, vpth, dpth


def test_cli(stylize, tmp, tv_dir, adain_dir):
    print("# sst-stylize on converted directories")
    from PIL import Image
    rng = np.random.default_rng(3)
    paths = []
    for name in ("content.png", "style.png"):
        a = (rng.random((H // 4, W // 4, 3)) * 255).astype(np.uint8)
        p = os.path.join(tmp, name)
        Image.fromarray(a).resize((W, H), Image.BILINEAR).save(p)
        paths.append(p)
    res = os.path.join(tmp, "result.png")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    r = subprocess.run([stylize, paths[0], paths[1], "-o", res, "--weights",
                        adain_dir, "--threads", "1",
                        "--iterations", "3"],
                       capture_output=True, text=True, env=env)
    ok = r.returncode == 0 and os.path.exists(res)
    if ok:
        with Image.open(res) as im:
            ok = im.size == (W, H)
    check(ok, "sst-stylize (no --layer: relu4_1, the only decoder) with the "
          "converted AdaIN pair: "
          "%d, %dx%d result (%s)" % (r.returncode, W, H, r.stderr.strip()))
    res2 = os.path.join(tmp, "result2.png")
    r = subprocess.run([stylize, paths[0], paths[1], "-o", res2, "--weights",
                        tv_dir, "--threads", "1"],
                       capture_output=True, text=True, env=env)
    check(r.returncode != 0 and "decoder" in r.stderr and
          not os.path.exists(res2),
          "sst-stylize refuses the encoder-only torchvision directory: %r"
          % r.stderr.strip())


def test_bad_inputs(root, tmp, tv_pth, vpth, dpth):
    print("# bad inputs")
    cw = CW

    def bad(name, args, expect):
        """in-process (torch is imported once); the real exit status of the
        script is checked by the subprocess case below."""
        out = os.path.join(tmp, "bad_" + name)
        err = io.StringIO()
        with contextlib.redirect_stderr(err), \
                contextlib.redirect_stdout(io.StringIO()):
            try:
                rc = cw.main(args + ["--out", out])
            except SystemExit as e:
                rc = e.code
        msg = err.getvalue().strip()
        written = os.path.isdir(out) and os.listdir(out)
        check(rc not in (0, None) and expect in msg and not written,
              "%s: refused, nothing written: %s" % (name, msg[:240]))

    # conv1_1..conv4_1 only (a truncated vgg19 file is valid input too):
    # keeps the many files below small
    tv = {k: v for k, v in torch.load(tv_pth).items()
          if k.startswith("classifier.") or int(k.split(".")[1]) <= 19}

    def save(name, obj):
        p = os.path.join(tmp, name + ".pth")
        torch.save(obj, p)
        return p

    d = dict(tv)
    d["features.5.weight"] = d["features.5.weight"].transpose(0, 1).clone()
    bad("wrong_shape", ["--torchvision-vgg19", save("shape", d)],
        "'features.5.weight' has shape [64, 128, 3, 3], expected [128, 64, 3, 3]")
    d = dict(tv)
    del d["features.19.bias"]
    bad("missing_key", ["--torchvision-vgg19", save("missing", d)],
        "'features.19.bias' is missing")
    d = dict(tv)
    d["features.10.weight"] = d["features.10.weight"].clone()
    d["features.10.weight"][3, 2, 1, 1] = float("nan")
    bad("nan", ["--torchvision-vgg19", save("nan", d)], "NaN or Inf")
    bad("pickled_model", ["--torchvision-vgg19",
                          save("model", nn.Sequential(nn.Conv2d(3, 64, 3)))],
        "not a plain PyTorch state dict")
    bad("list", ["--torchvision-vgg19", save("list", [1, 2, 3])],
        "holds a list, not a state dict")
    bad("checkpoint", ["--torchvision-vgg19",
                       save("ckpt", {"state_dict": tv, "epoch": 3})],
        "training checkpoint")
    bad("vgg16", ["--torchvision-vgg19",
                  save("vgg16", {k: v for k, v in
                                 vgg16_features().state_dict().items()
                                 if int(k.split(".")[1]) <= 19})],
        "different network layout")
    d = dict(tv)
    d["features.1.running_mean"] = torch.zeros(64)
    bad("vgg19_bn", ["--torchvision-vgg19", save("bn", d)], "batch-norm")
    bad("adain_as_torchvision", ["--torchvision-vgg19", vpth],
        "use --adain-vgg")
    bad("torchvision_as_adain", ["--adain-vgg", tv_pth],
        "use --torchvision-vgg19")
    bad("decoder_as_vgg", ["--adain-vgg", dpth], "different network layout")
    bad("vgg_as_decoder", ["--adain-vgg", vpth, "--adain-decoder", vpth],
        "different network layout")
    # a truncated vgg19 is accepted (positive control for the cases above)
    bad_dir = os.path.join(tmp, "truncated")
    with contextlib.redirect_stdout(io.StringIO()):
        rc = cw.main(["--torchvision-vgg19", save("truncated", tv), "--out",
                      bad_dir])
    check(rc == 0 and os.path.exists(os.path.join(bad_dir,
                                                  "encoder.safetensors")),
          "a vgg19 state dict truncated after features.19 converts")
    dd = torch.load(dpth)
    dd["28.weight"] = dd["28.weight"][:, :32].clone()
    bad("decoder_shape", ["--adain-vgg", vpth, "--adain-decoder",
                          save("dshape", dd)],
        "'28.weight' has shape [3, 32, 3, 3], expected [3, 64, 3, 3]")
    bad("missing_file", ["--torchvision-vgg19", os.path.join(tmp, "nope.pth")],
        "no such file")

    # The shipped weights/ directory is protected without --force.
    wdir = os.path.join(root, "weights")
    before = {n: sha256(os.path.join(wdir, n)) for n in sorted(os.listdir(wdir))
              if n.endswith(".safetensors")}
    # as a process (the check comes before PyTorch is even imported)
    r = convert_cli(root, ["--torchvision-vgg19", tv_pth, "--out", wdir])
    after = {n: sha256(os.path.join(wdir, n)) for n in sorted(os.listdir(wdir))
             if n.endswith(".safetensors")}
    check(r.returncode == 1 and r.stdout == "" and
          r.stderr.startswith("convert_weights: error: --out ") and
          "shipped weights/" in r.stderr and
          before == after and not any(n.endswith(".tmp")
                                      for n in os.listdir(wdir)),
          "--out weights/ refused (exit 1, one error line), shipped files "
          "unchanged")


def main():
    if len(sys.argv) != 4:
        print("usage: test_convert.py CONVERT_RUN SST_STYLIZE SOURCE_ROOT")
        return 2
    convert_run, stylize, root = sys.argv[1:]
    torch.set_num_threads(1)
    global CW
    spec = importlib.util.spec_from_file_location(
        "convert_weights", os.path.join(root, "tools", "convert_weights.py"))
    CW = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(CW)
    t0 = time.time()
    tmp = tempfile.mkdtemp(prefix="sst-convert-")
    try:
        x32 = test_image()
        tv_dir, tv_pth = test_torchvision(root, convert_run, tmp, x32)
        print("  (%.1f s)" % (time.time() - t0))
        adain_dir, vpth, dpth = test_adain(root, convert_run, tmp, x32)
        print("  (%.1f s)" % (time.time() - t0))
        test_cli(stylize, tmp, tv_dir, adain_dir)
        print("  (%.1f s)" % (time.time() - t0))
        test_bad_inputs(root, tmp, tv_pth, vpth, dpth)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failure(s), %.1f s" % (failures, time.time() - t0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
