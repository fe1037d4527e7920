#!/usr/bin/python3
"""Convert ImageNet VGG19 weights you already have into the engine's format.

Two sources are understood, both as PyTorch *state dicts* (.pth):

  --torchvision-vgg19 FILE
      torchvision's `vgg19` (`models.vgg19().state_dict()`, e.g. the
      `vgg19-dcbb9e9d.pth` file).  Writes encoder.safetensors only.
  --adain-vgg FILE [--adain-decoder FILE]
      the `vgg_normalised.pth` / `decoder.pth` pair of AdaIN implementations
      (layout of naoto0804/pytorch-AdaIN, net.py).  Writes encoder.safetensors
      and, with --adain-decoder, decoder_relu4_1.safetensors.

Usage:
  /usr/bin/python3 tools/convert_weights.py --torchvision-vgg19 vgg19.pth --out DIR
  /usr/bin/python3 tools/convert_weights.py --adain-vgg vgg_normalised.pth \
      --adain-decoder decoder.pth --out DIR

What the engine computes (weights/README.md): planar RGB in [0,1] ->
enc.conv0 (1x1, no ReLU) -> conv1_1 ... conv4_1 with ReLU, 2x2 max pooling
(floor) after conv1_2, conv2_2, conv3_4, every 3x3 conv with REFLECTION
padding 1.  The relu4_1 decoder mirrors it with nearest x2 upsampling.

Conversion notes:
  * torchvision's VGG wants (x - mean) / std with the ImageNet mean/std; that
    affine map is folded into enc.conv0 (weight diag(1/std), bias -mean/std),
    so the convs see exactly what torchvision feeds them.  torchvision's VGG
    pads with ZEROS; the engine pads by reflection (the AdaIN convention).
    Interior activations are identical, values within the receptive field of
    an image border differ.  There is no option for zero padding.
  * AdaIN's vgg_normalised already starts with the 1x1 colour conv (RGB in
    [0,1] -> BGR*255 - mean) and pads by reflection, so every tensor is
    copied unchanged.  Its max pooling uses ceil_mode=True, the engine
    floor mode: identical whenever height and width are multiples of 8,
    which the engine's pipeline always pads to.
  * Only conv1_1 ... conv4_1 are used; later convs and torchvision's
    classifier are ignored (but their indices must fit the layout).

Safety: files are read with torch.load(map_location="cpu",
weights_only=True), which refuses pickles that would run code, so a whole
pickled model (torch.save(model)) is rejected: save model.state_dict().
Nothing is written unless every tensor was found with the expected shape
and finite values.  The shipped weights/ directory is not overwritten
without --force.  torch (Debian: python3-torch) is needed only for this
converter, never by the engine.
"""
import argparse
import os
import shlex
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from weights_common import (DECODER_LAYERS, ENCODER_LAYERS, sha256_file,  # noqa: E402
                            save_safetensors)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHIPPED_WEIGHTS = os.path.join(ROOT, "weights")

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# The engine's 3x3 encoder convs in order (conv0 is handled per source).
ENC_CONVS = [(name, o, i) for name, o, i, k, _, _ in ENCODER_LAYERS if k == 3]

# torchvision vgg19 ("cfg E": 64 64 M 128 128 M 256x4 M 512x4 M 512x4 M),
# built by make_layers as Conv2d(padding=1), ReLU per conv and MaxPool2d per
# M, numbered in order inside `features`:
#   0 conv1_1  1 relu  2 conv1_2  3 relu  4 pool
#   5 conv2_1  6 relu  7 conv2_2  8 relu  9 pool
#  10 conv3_1 12 conv3_2 14 conv3_3 16 conv3_4 18 pool
#  19 conv4_1 21 conv4_2 23 conv4_3 25 conv4_4 27 pool
#  28 conv5_1 30 conv5_2 32 conv5_3 34 conv5_4 36 pool
TV_USED = [0, 2, 5, 7, 10, 12, 14, 16, 19]           # conv1_1 .. conv4_1
TV_ALL = TV_USED + [21, 23, 25, 28, 30, 32, 34]

# pytorch-AdaIN net.py, `vgg` (vgg_normalised.pth), index: module
#   0 Conv2d(3, 3, 1)              colour conversion -> enc.conv0
#   1 ReflectionPad2d(1)  2 Conv2d(3, 64, 3)     3 ReLU   relu1_1
#   4 ReflectionPad2d(1)  5 Conv2d(64, 64, 3)    6 ReLU   relu1_2
#   7 MaxPool2d(2, 2, ceil_mode=True)
#   8 pad  9 Conv2d(64, 128)   10 ReLU   11 pad 12 Conv2d(128, 128) 13 ReLU
#  14 MaxPool2d
#  15 pad 16 Conv2d(128, 256) 17 ReLU relu3_1
#  18 pad 19 Conv2d(256, 256) 20 ReLU   21 pad 22 Conv2d(256, 256) 23 ReLU
#  24 pad 25 Conv2d(256, 256) 26 ReLU   27 MaxPool2d
#  28 pad 29 Conv2d(256, 512) 30 ReLU relu4_1 (the last layer AdaIN uses)
#  31 pad 32 conv4_2 33 ReLU  34 pad 35 conv4_3 36 ReLU  37 pad 38 conv4_4
#  39 ReLU  40 MaxPool2d  41 pad 42 conv5_1 ... 45 conv5_2 ... 48 conv5_3
#  ... 51 conv5_4 52 ReLU
ADAIN_VGG_USED = [0, 2, 5, 9, 12, 16, 19, 22, 25, 29]  # conv0, conv1_1..4_1
ADAIN_VGG_ALL = ADAIN_VGG_USED + [32, 35, 38, 42, 45, 48, 51]

# pytorch-AdaIN net.py, `decoder` (decoder.pth), index: module
#   0 pad  1 Conv2d(512, 256) 2 ReLU  3 Upsample(x2, nearest)
#   4 pad  5 Conv2d(256, 256) 6 ReLU  7 pad  8 Conv2d(256, 256) 9 ReLU
#  10 pad 11 Conv2d(256, 256) 12 ReLU 13 pad 14 Conv2d(256, 128) 15 ReLU
#  16 Upsample  17 pad 18 Conv2d(128, 128) 19 ReLU 20 pad 21 Conv2d(128, 64)
#  22 ReLU  23 Upsample  24 pad 25 Conv2d(64, 64) 26 ReLU
#  27 pad 28 Conv2d(64, 3)   (no ReLU)
# Same topology as the engine's decoder_relu4_1, conv for conv.
ADAIN_DEC = [1, 5, 8, 11, 14, 18, 21, 25, 28]


class ConvertError(Exception):
    """A problem with the input files: one line for the user."""


def load_state_dict(path, what):
    """torch.load a state dict: a mapping of str -> tensor.  Returns
    (dict name -> floating-point tensor, torch version)."""
    if not os.path.isfile(path):
        raise ConvertError("%s: %s: no such file" % (what, path))
    try:
        import torch
    except ImportError:
        raise ConvertError("reading .pth files needs PyTorch (Debian: apt-get "
                           "install python3-torch); the engine itself does "
                           "not need it")
    if "weights_only" not in torch.load.__code__.co_varnames:
        raise ConvertError("PyTorch %s has no weights-only loader; 1.13 or "
                           "newer is needed" % torch.__version__)
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - any unpickling failure
        msg = str(e).strip().splitlines()
        raise ConvertError(
            "%s: %s is not a plain PyTorch state dict (%s: %s). Only state "
            "dicts are read (the safe weights-only loader); if this is a whole "
            "pickled model, load it in Python yourself and "
            "torch.save(model.state_dict(), 'file.pth')"
            % (what, path, type(e).__name__, msg[0][:200] if msg else ""))
    if not isinstance(obj, dict):
        raise ConvertError("%s: %s holds a %s, not a state dict (a mapping of "
                           "parameter names to tensors)"
                           % (what, path, type(obj).__name__))
    for k in ("state_dict", "model", "net", "params"):
        if k in obj and isinstance(obj[k], dict):
            raise ConvertError(
                "%s: %s looks like a training checkpoint (it has a %r entry "
                "holding a dict), not a state dict; extract it first: "
                "torch.save(ckpt[%r], 'file.pth')" % (what, path, k, k))
    out = {}
    for k, v in obj.items():
        if not isinstance(k, str) or not torch.is_tensor(v):
            raise ConvertError("%s: %s is not a state dict: entry %r is a %s, "
                               "not a tensor" % (what, path, k,
                                                 type(v).__name__))
        if not v.is_floating_point():
            continue        # e.g. BatchNorm's num_batches_tracked
        out[k] = v
    # nn.DataParallel saves every name with a "module." prefix
    if out and all(k.startswith("module.") for k in out):
        out = {k[len("module."):]: v for k, v in out.items()}
    return out, torch.__version__


def take(sd, key, shape, what):
    if key not in sd:
        raise ConvertError("%s: tensor %r is missing" % (what, key))
    a = sd[key]
    if tuple(a.shape) != tuple(shape):
        raise ConvertError("%s: tensor %r has shape %s, expected %s"
                           % (what, key, list(a.shape), list(shape)))
    a = a.detach().cpu().double().numpy()
    if not np.all(np.isfinite(a)):
        raise ConvertError("%s: tensor %r holds NaN or Inf" % (what, key))
    return a


def conv_indices(sd, prefix, what):
    """Numeric indices i with a prefix + 'i.weight' entry; any other key
    under prefix must be i.weight / i.bias of such an index."""
    idx = set()
    for k in sd:
        if not k.startswith(prefix):
            continue
        parts = k[len(prefix):].split(".")
        if len(parts) != 2 or not parts[0].isdigit():
            raise ConvertError("%s: unexpected tensor %r (not <index>.weight "
                               "or <index>.bias of an nn.Sequential)"
                               % (what, k))
        if parts[1] not in ("weight", "bias"):
            raise ConvertError(
                "%s: unexpected tensor %r: only convolutions are expected in "
                "this network (batch-norm variants such as vgg19_bn are not "
                "supported)" % (what, k))
        idx.add(int(parts[0]))
    return sorted(idx)


def check_layout(found, used, allowed, what, layout):
    """Every conv the engine needs must be present, and nothing may sit at an
    index where the known layout has a ReLU, padding or pooling layer (that
    would mean a different network whose pooling positions we cannot see)."""
    extra = [i for i in found if i not in allowed]
    if extra:
        raise ConvertError(
            "%s: parameters at Sequential index %s, where %s has no "
            "convolution (convs expected at %s): a different network layout, "
            "refusing to guess" % (what, extra, layout, allowed))
    missing = [i for i in used if i not in found]
    if missing:
        raise ConvertError(
            "%s: no convolution at Sequential index %s (%s has convs at %s; "
            "found %s)" % (what, missing, layout, used, found))


def map_convs(sd, prefix, indices, table, what):
    """Maps the convs at `indices` (in order) onto the engine's `table`
    [(name, out, in)], checking every shape."""
    out = {}
    for i, (name, o, c) in zip(indices, table):
        out[name + ".weight"] = take(sd, "%s%d.weight" % (prefix, i),
                                     (o, c, 3, 3), what)
        out[name + ".bias"] = take(sd, "%s%d.bias" % (prefix, i), (o,), what)
    return out


def convert_torchvision(path):
    what = os.path.basename(path)
    sd, tv = load_state_dict(path, what)
    for k in sd:
        if not (k.startswith("features.") or k.startswith("classifier.")):
            raise ConvertError("%s: unexpected tensor %r: a torchvision vgg19 "
                               "state dict has only features.* and "
                               "classifier.*%s" % (what, k, (
                                   " (an AdaIN file? use --adain-vgg)"
                                   if k.split(".")[0].isdigit() else "")))
    found = conv_indices(sd, "features.", what)
    check_layout(found, TV_USED, TV_ALL, what, "torchvision vgg19")
    t = map_convs(sd, "features.", TV_USED, ENC_CONVS, what)
    w0 = np.zeros((3, 3, 1, 1))
    b0 = np.zeros(3)
    for c in range(3):
        w0[c, c, 0, 0] = 1.0 / IMAGENET_STD[c]
        b0[c] = -IMAGENET_MEAN[c] / IMAGENET_STD[c]
    t["enc.conv0.weight"] = w0
    t["enc.conv0.bias"] = b0
    note = ("torchvision vgg19 features.{0,2,5,7,10,12,14,16,19} -> "
            "enc.conv1_1..enc.conv4_1 unchanged; ImageNet normalisation "
            "(mean %s, std %s) folded into enc.conv0; the engine pads by "
            "reflection where torchvision pads with zeros"
            % (list(IMAGENET_MEAN), list(IMAGENET_STD)))
    return t, note, tv


def convert_adain_vgg(path):
    what = os.path.basename(path)
    sd, tv = load_state_dict(path, what)
    if any(k.startswith("features.") for k in sd):
        raise ConvertError("%s has features.* tensors: a torchvision file? "
                           "use --torchvision-vgg19" % what)
    found = conv_indices(sd, "", what)
    check_layout(found, ADAIN_VGG_USED, ADAIN_VGG_ALL, what,
                 "pytorch-AdaIN's vgg (net.py)")
    t = {"enc.conv0.weight": take(sd, "0.weight", (3, 3, 1, 1), what),
         "enc.conv0.bias": take(sd, "0.bias", (3,), what)}
    t.update(map_convs(sd, "", ADAIN_VGG_USED[1:], ENC_CONVS, what))
    note = ("pytorch-AdaIN vgg_normalised Sequential indices %s -> enc.conv0, "
            "enc.conv1_1..enc.conv4_1, copied unchanged (reflection padding "
            "as upstream; upstream max pooling is ceil mode, equal to the "
            "engine's floor mode for sizes that are multiples of 8)"
            % ADAIN_VGG_USED)
    return t, note, tv


def convert_adain_decoder(path):
    what = os.path.basename(path)
    sd, tv = load_state_dict(path, what)
    found = conv_indices(sd, "", what)
    check_layout(found, ADAIN_DEC, ADAIN_DEC, what,
                 "pytorch-AdaIN's decoder (net.py)")
    table = [(n, o, i) for n, o, i, _, _ in DECODER_LAYERS["relu4_1"]]
    t = map_convs(sd, "", ADAIN_DEC, table, what)
    note = ("pytorch-AdaIN decoder Sequential indices %s -> %s, copied "
            "unchanged" % (ADAIN_DEC, ", ".join(n for n, _, _ in table)))
    return t, note, tv


def check_out_dir(out, force):
    if os.path.exists(out) and not os.path.isdir(out):
        raise ConvertError("--out %s exists and is not a directory" % out)
    if (os.path.isdir(SHIPPED_WEIGHTS) and os.path.isdir(out)
            and os.path.samefile(out, SHIPPED_WEIGHTS) and not force):
        raise ConvertError(
            "--out %s is the project's shipped weights/ directory; converted "
            "ImageNet weights must not replace (or be committed into) it. "
            "Choose another directory (or pass --force to overwrite anyway)"
            % out)


def write(path, tensors, meta):
    """Writes F32 safetensors atomically (temp file + rename)."""
    tmp = path + ".tmp"
    save_safetensors(tmp, {k: v.astype(np.float32) for k, v in tensors.items()},
                     meta)
    os.replace(tmp, path)
    return sha256_file(path)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Convert torchvision vgg19 or pytorch-AdaIN .pth state "
                    "dicts into Semantic Style weights (F32 safetensors).",
        epilog="See the module docstring and README.md, section 'Using your "
               "own ImageNet VGG19 weights'.")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--torchvision-vgg19", metavar="FILE",
                     help="torchvision vgg19 state dict (.pth)")
    src.add_argument("--adain-vgg", metavar="FILE",
                     help="AdaIN vgg_normalised.pth state dict")
    ap.add_argument("--adain-decoder", metavar="FILE",
                    help="AdaIN decoder.pth state dict (relu4_1 decoder); "
                         "needs --adain-vgg")
    ap.add_argument("--out", required=True, metavar="DIR",
                    help="output directory (created if needed)")
    ap.add_argument("--force", action="store_true",
                    help="allow writing into the shipped weights/ directory")
    args = ap.parse_args(argv)
    if args.adain_decoder and not args.adain_vgg:
        ap.error("--adain-decoder needs --adain-vgg (the decoder inverts "
                 "that encoder)")
    command = " ".join(shlex.quote(a) for a in
                       ["/usr/bin/python3", "tools/convert_weights.py"] +
                       (sys.argv[1:] if argv is None else list(argv)))
    try:
        check_out_dir(args.out, args.force)
        # Read and check everything before writing anything.
        if args.torchvision_vgg19:
            src_path = args.torchvision_vgg19
            enc, note, tv = convert_torchvision(src_path)
            source = "torchvision vgg19 state dict"
        else:
            src_path = args.adain_vgg
            enc, note, tv = convert_adain_vgg(src_path)
            source = "pytorch-AdaIN vgg_normalised state dict"
        dec = None
        if args.adain_decoder:
            dec, dec_note, _ = convert_adain_decoder(args.adain_decoder)
        os.makedirs(args.out, exist_ok=True)
        check_out_dir(args.out, args.force)  # now it surely exists
    except ConvertError as e:
        print("convert_weights: error: %s" % e, file=sys.stderr)
        return 1

    common = {"format": "semantic-style-weights", "command": command,
              "converter": "tools/convert_weights.py", "torch_version": tv,
              "dtype": "F32"}
    enc_path = os.path.join(args.out, "encoder.safetensors")
    enc_sha = write(enc_path, enc, dict(
        common, net="encoder", converted_from=source,
        source_file=os.path.basename(src_path),
        source_sha256=sha256_file(src_path), conversion=note))
    print("wrote %s (net encoder, F32, %d tensors, sha256 %s)"
          % (enc_path, len(enc), enc_sha))
    if dec is not None:
        dec_path = os.path.join(args.out, "decoder_relu4_1.safetensors")
        dec_sha = write(dec_path, dec, dict(
            common, net="decoder_relu4_1",
            converted_from="pytorch-AdaIN decoder state dict",
            source_file=os.path.basename(args.adain_decoder),
            source_sha256=sha256_file(args.adain_decoder),
            encoder_sha256=enc_sha, conversion=dec_note))
        print("wrote %s (net decoder_relu4_1, F32, %d tensors, sha256 %s)"
              % (dec_path, len(dec), dec_sha))

    # A decoder left over in DIR from another encoder would silently decode
    # the wrong features: say so.
    for name in ("decoder_relu3_1.safetensors", "decoder_relu4_1.safetensors"):
        p = os.path.join(args.out, name)
        if dec is not None and name == "decoder_relu4_1.safetensors":
            continue
        if os.path.exists(p):
            print("warning: %s was already there and was not written by this "
                  "run; it must have been trained for this encoder (sha256 "
                  "%s), otherwise delete it" % (p, enc_sha), file=sys.stderr)
    if dec is None and not any(os.path.exists(os.path.join(args.out, n)) for n
                               in ("decoder_relu3_1.safetensors",
                                   "decoder_relu4_1.safetensors")):
        print("note: %s has no decoder yet; train one for this encoder, e.g.\n"
              "  /usr/bin/python3 tools/train/train_decoder.py --layer relu3_1 "
              "--encoder %s --out %s" % (args.out, enc_path, os.path.join(
                  args.out, "decoder_relu3_1.safetensors")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
