"""Feature extractors the screening harness compares.

Each candidate maps an RGB batch in [0,1] to a dict {layer name: feature
map} with the four style layers relu1_1..relu4_1 (or their stand-ins).

* `VGGFeatures`: the engine's encoder topology (weights/README.md), loaded
  from a safetensors file, with ReLU (what the engine runs) or, for
  screening only, another activation (ELU cannot run in the engine today).
* `PixelPatches`: no network at all, the raw image's 5x5 patches at four
  scales.  Its Gram matrices are the second-order patch statistics of the
  pixels, the calibration point: an encoder that does no better than this
  adds nothing for texture.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from weights_common import ENCODER_LAYERS, load_safetensors  # noqa: E402

STYLE_LAYERS = ["relu1_1", "relu2_1", "relu3_1", "relu4_1"]
# conv name -> style layer name it produces
TAPS = {"enc.conv1_1": "relu1_1", "enc.conv2_1": "relu2_1",
        "enc.conv3_1": "relu3_1", "enc.conv4_1": "relu4_1"}


class VGGFeatures(nn.Module):
    """The engine's encoder up to relu4_1: reflection pad 1, 3x3 conv,
    activation, floor-mode 2x2 max pooling after conv1_2, 2_2, 3_4."""

    def __init__(self, tensors, act="relu"):
        super().__init__()
        self.steps = []        # (name, conv, pad, act, pool)
        self.convs = nn.ModuleDict()
        for name, o, i, k, relu, pool in ENCODER_LAYERS:
            conv = nn.Conv2d(i, o, k)
            conv.weight.data = torch.as_tensor(tensors[name + ".weight"]).float().clone()
            conv.bias.data = torch.as_tensor(tensors[name + ".bias"]).float().clone()
            self.convs[name.replace(".", "_")] = conv
            self.steps.append((name, k == 3, relu, pool))
        self.act = {"relu": F.relu, "elu": F.elu}[act]

    @classmethod
    def from_file(cls, path, act="relu"):
        t, _ = load_safetensors(path)
        return cls(t, act)

    def forward(self, x, upto="relu4_1"):
        out = {}
        for name, pad, relu, pool in self.steps:
            if pad:
                x = F.pad(x, (1, 1, 1, 1), mode="reflect")
            x = self.convs[name.replace(".", "_")](x)
            if relu:
                x = self.act(x)
            if name in TAPS:
                out[TAPS[name]] = x
                if TAPS[name] == upto:
                    break
            if pool:
                x = F.max_pool2d(x, 2, 2)
        return out

    def tensors(self):
        """Back to the safetensors layout (float32 numpy arrays)."""
        t = {}
        for name, _, _, _ in self.steps:
            conv = self.convs[name.replace(".", "_")]
            t[name + ".weight"] = conv.weight.detach().cpu().numpy().astype("float32")
            t[name + ".bias"] = conv.bias.detach().cpu().numpy().astype("float32")
        return t


class PixelPatches(nn.Module):
    """5x5 RGB patches (75 channels) of the image average-pooled by 1, 2, 4
    and 8, standing in for relu1_1..relu4_1 (same strides as the VGG taps)."""

    def forward(self, x, upto="relu4_1"):
        out = {}
        for k, name in enumerate(STYLE_LAYERS):
            y = F.avg_pool2d(x, 2 ** k) if k else x
            y = F.pad(y, (2, 2, 2, 2), mode="reflect")
            out[name] = F.unfold(y, 5).view(x.shape[0], 75, *[s // 2 ** k for s in x.shape[2:]])
            if name == upto:
                break
        return out


def build(spec):
    """'pixel' | 'elu:FILE' | FILE (a safetensors encoder, ReLU)."""
    if spec == "pixel":
        return PixelPatches()
    if spec.startswith("elu:"):
        return VGGFeatures.from_file(spec[4:], act="elu")
    return VGGFeatures.from_file(spec)
