#!/usr/bin/python3
"""Golden data for the engine's neural-network tests (tests/nn/).

Regenerate (Debian's python3 with python3-torch; deterministic, so the
output is byte-identical on every run):

    /usr/bin/python3 tools/make_golden.py            # writes tests/data/nn/

The reference is PyTorch in float64, independent of the C code under test:
  tests/data/nn/layers.safetensors    single layers (F32 inputs/weights rounded
                                      from float64 draws, expected outputs
                                      computed in float64 then stored as F32)
  tests/data/nn/tiny_net.safetensors  a full encoder + both decoders with the
                                      real tensor shapes on a 3x24x32 input.

The full networks hold ~7.6 M parameters, far too big to commit.  Their
weights are therefore not stored: they come from a counter-based integer hash
(splitmix64) that tests/nn/test_golden.c reimplements bit for bit, and every
value is k * 2^-m with a small integer k, i.e. exactly representable in the
dtype the C test writes (F16 for the encoder and decoder_relu3_1, BF16 for
decoder_relu4_1).  The goldens are computed from those exact values, so the
half-precision files carry no rounding the reference does not see.  Per-net
weight sums are stored in the metadata so a PRNG mismatch is reported as
such rather than as a numeric error.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "data", "nn")
COMMAND = "/usr/bin/python3 tools/make_golden.py"
SEED = 20240611

# --- network tables (from the weights format contract, not from nn.c) ---
# (name, cin, cout, ksize, relu) or "pool" / "up"
ENCODER = [
    ("enc.conv0", 3, 3, 1, False),
    ("enc.conv1_1", 3, 64, 3, True), ("enc.conv1_2", 64, 64, 3, True), "pool",
    ("enc.conv2_1", 64, 128, 3, True), ("enc.conv2_2", 128, 128, 3, True),
    "pool",
    ("enc.conv3_1", 128, 256, 3, True),  # -> relu3_1 (index 7)
    ("enc.conv3_2", 256, 256, 3, True), ("enc.conv3_3", 256, 256, 3, True),
    ("enc.conv3_4", 256, 256, 3, True), "pool",
    ("enc.conv4_1", 256, 512, 3, True),  # -> relu4_1
]
DECODER3 = [
    ("dec.conv3_1", 256, 128, 3, True), "up",
    ("dec.conv2_2", 128, 128, 3, True), ("dec.conv2_1", 128, 64, 3, True),
    "up",
    ("dec.conv1_2", 64, 64, 3, True), ("dec.conv1_1", 64, 3, 3, False),
]
DECODER4 = [
    ("dec.conv4_1", 512, 256, 3, True), "up",
    ("dec.conv3_4", 256, 256, 3, True), ("dec.conv3_3", 256, 256, 3, True),
    ("dec.conv3_2", 256, 256, 3, True), ("dec.conv3_1", 256, 128, 3, True),
    "up",
    ("dec.conv2_2", 128, 128, 3, True), ("dec.conv2_1", 128, 64, 3, True),
    "up",
    ("dec.conv1_2", 64, 64, 3, True), ("dec.conv1_1", 64, 3, 3, False),
]
# net id (part of the hash seed), table, "fine" = 10-bit k (F16-exact) or
# 7-bit k (BF16-exact)
NETS = {
    "encoder": (1, ENCODER, True),
    "decoder_relu3_1": (2, DECODER3, True),
    "decoder_relu4_1": (3, DECODER4, False),
}

M64 = (1 << 64) - 1


def splitmix(seed, n):
    """uint64 splitmix64 finaliser of (seed + i + 1) * golden, i in [0, n)."""
    g = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        z = (np.uint64(seed) + np.arange(1, n + 1, dtype=np.uint64)) * g
        z ^= z >> np.uint64(30)
        z *= np.uint64(0xBF58476D1CE4E5B9)
        z ^= z >> np.uint64(27)
        z *= np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return z


def hashed_values(seed, n, scale_exp, fine):
    """k * 2^(scale_exp - bits), k uniform-ish in [-(2^bits-1), 2^bits-1]."""
    bits = 10 if fine else 7
    span = (1 << (bits + 1)) - 1  # 2047 or 255 values
    z = splitmix(seed, n)
    k = ((z >> np.uint64(40)) % np.uint64(span)).astype(np.int64) - (span // 2)
    return k.astype(np.float64) * 2.0 ** (scale_exp - bits)


def weight_scale_exp(fan_in):
    # 2^(1 - floor(log2(fan_in)/2)) ~ sqrt(6/fan_in): He-uniform magnitude,
    # so activations neither explode nor vanish through 10 layers.
    return 1 - (fan_in.bit_length() - 1) // 2


def net_weights(net):
    """{name: float64 array} for a whole net, plus the sum of all values."""
    net_id, table, fine = NETS[net]
    params, total = {}, 0.0
    for li, layer in enumerate(table):
        if isinstance(layer, str):
            continue
        name, cin, cout, k, _ = layer
        seed = net_id * 1000 + li * 2
        w = hashed_values(seed, cout * cin * k * k,
                          weight_scale_exp(cin * k * k), fine)
        b = hashed_values(seed + 1, cout, -4, fine)
        params[name + ".weight"] = w.reshape(cout, cin, k, k)
        params[name + ".bias"] = b
        total += float(w.sum()) + float(b.sum())
    return params, total


def conv(x, w, b, relu):
    if w.shape[-1] == 3:
        x = F.pad(x, (1, 1, 1, 1), mode="reflect")
    y = F.conv2d(x, w, b)
    return F.relu(y) if relu else y


def run_net(table, params, x, marks=()):
    """Float64 forward; returns the final output and outputs at marks."""
    got = {}
    for li, layer in enumerate(table):
        if layer == "pool":
            x = F.max_pool2d(x, 2, 2)
        elif layer == "up":
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        else:
            name, _, _, _, relu = layer
            x = conv(x, torch.from_numpy(params[name + ".weight"]),
                     torch.from_numpy(params[name + ".bias"]), relu)
        if li in marks:
            got[li] = x
    return x, got


def write_safetensors(path, tensors, metadata):
    """Minimal safetensors writer: F32 little-endian, sorted names."""
    header = {"__metadata__": metadata}
    blobs, off = [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        raw = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # align the data area like the reference
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def f32(a):
    """Round float64 draws to float32 values, returned as float64."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def layer_cases(rng):
    t = {}

    def t64(a):
        return torch.from_numpy(a)[None]

    # 3x3 convolution, cin=5 cout=7 on 9x11 (odd sizes), with and without ReLU
    x = f32(rng.standard_normal((5, 9, 11)))
    w = f32(rng.standard_normal((7, 5, 3, 3)) * 0.3)
    b = f32(rng.standard_normal(7) * 0.1)
    t["conv_a.input"], t["conv_a.weight"], t["conv_a.bias"] = x, w, b
    t["conv_a.relu"] = conv(t64(x), torch.from_numpy(w), torch.from_numpy(b),
                            True)[0].numpy()
    t["conv_a.linear"] = conv(t64(x), torch.from_numpy(w),
                              torch.from_numpy(b), False)[0].numpy()
    # larger case for the band-splitting checks: cin=16 cout=8 on 40x50
    x = f32(rng.standard_normal((16, 40, 50)))
    w = f32(rng.standard_normal((8, 16, 3, 3)) * 0.1)
    b = f32(rng.standard_normal(8) * 0.1)
    t["conv_b.input"], t["conv_b.weight"], t["conv_b.bias"] = x, w, b
    t["conv_b.relu"] = conv(t64(x), torch.from_numpy(w), torch.from_numpy(b),
                            True)[0].numpy()
    # smallest map reflection padding allows: 2x2
    x = f32(rng.standard_normal((2, 2, 2)))
    w = f32(rng.standard_normal((3, 2, 3, 3)) * 0.3)
    b = f32(rng.standard_normal(3) * 0.1)
    t["conv_c.input"], t["conv_c.weight"], t["conv_c.bias"] = x, w, b
    t["conv_c.linear"] = conv(t64(x), torch.from_numpy(w),
                              torch.from_numpy(b), False)[0].numpy()
    # 1x1 convolution (conv0): 3 -> 4 on 6x7, with and without ReLU
    x = f32(rng.standard_normal((3, 6, 7)))
    w = f32(rng.standard_normal((4, 3, 1, 1)))
    b = f32(rng.standard_normal(4) * 0.1)
    t["conv1.input"], t["conv1.weight"], t["conv1.bias"] = x, w, b
    t["conv1.linear"] = conv(t64(x), torch.from_numpy(w), torch.from_numpy(b),
                             False)[0].numpy()
    t["conv1.relu"] = conv(t64(x), torch.from_numpy(w), torch.from_numpy(b),
                           True)[0].numpy()
    # max-pool: odd (7x9 -> 3x4, last row/column dropped) and even sizes
    for name, shape in (("pool_odd", (4, 7, 9)), ("pool_even", (2, 6, 8))):
        x = f32(rng.standard_normal(shape))
        t[name + ".input"] = x
        t[name + ".output"] = F.max_pool2d(t64(x), 2, 2)[0].numpy()
    # nearest x2 upsampling, 5x4 -> 10x8
    x = f32(rng.standard_normal((3, 5, 4)))
    t["up.input"] = x
    t["up.output"] = F.interpolate(t64(x), scale_factor=2,
                                   mode="nearest")[0].numpy()
    return t


def main():
    torch.set_default_dtype(torch.float64)
    rng = np.random.default_rng(SEED)
    os.makedirs(OUT_DIR, exist_ok=True)
    meta = {"format": "semantic-style-golden", "command": COMMAND,
            "seed": str(SEED), "torch": torch.__version__}

    layers = layer_cases(rng)
    write_safetensors(os.path.join(OUT_DIR, "layers.safetensors"), layers,
                      meta)

    enc, enc_sum = net_weights("encoder")
    dec3, dec3_sum = net_weights("decoder_relu3_1")
    dec4, dec4_sum = net_weights("decoder_relu4_1")
    x = f32(rng.uniform(0.0, 1.0, (3, 24, 32)))
    _, marks = run_net(ENCODER, enc, torch.from_numpy(x)[None], (7, 12))
    r3, r4 = marks[7], marks[12]
    rgb3, _ = run_net(DECODER3, dec3, r3)
    rgb4, _ = run_net(DECODER4, dec4, r4)
    net = {"input": x, "relu3_1": r3[0].numpy(), "relu4_1": r4[0].numpy(),
           "decoded3": rgb3[0].numpy(), "decoded4": rgb4[0].numpy()}
    for k, v in net.items():
        print(f"tiny_net {k:9s} shape {tuple(v.shape)} "
              f"max|v| {np.abs(v).max():.4g} mean {v.mean():.4g}")
    net_meta = dict(meta)
    # repr() of a float64 is exact enough for a 1e-12 relative comparison
    net_meta.update({"sum.encoder": repr(enc_sum),
                     "sum.decoder_relu3_1": repr(dec3_sum),
                     "sum.decoder_relu4_1": repr(dec4_sum)})
    write_safetensors(os.path.join(OUT_DIR, "tiny_net.safetensors"), net,
                      net_meta)
    total = sum(os.path.getsize(os.path.join(OUT_DIR, f))
                for f in os.listdir(OUT_DIR))
    print(f"wrote {OUT_DIR} ({total} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
