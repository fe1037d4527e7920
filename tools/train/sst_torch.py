"""PyTorch versions of the contract's encoder and decoders (reflection
padding 1 on every 3x3 conv, floor-mode 2x2 max pooling, nearest x2
upsampling), shared by the training and evaluation scripts."""
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from weights_common import (DECODER_LAYERS, ENCODER_LAYERS,  # noqa: E402
                            ENCODER_OUTPUTS, load_safetensors, save_safetensors)


class Encoder(nn.Module):
    """Frozen encoder up to the requested layer (relu3_1 or relu4_1)."""

    def __init__(self, path, layer):
        super().__init__()
        t, self.meta = load_safetensors(path)
        last = ENCODER_OUTPUTS[layer]
        mods = []
        for name, o, i, k, relu, pool in ENCODER_LAYERS:
            conv = nn.Conv2d(i, o, k)
            conv.weight.data = torch.from_numpy(t[name + ".weight"].copy())
            conv.bias.data = torch.from_numpy(t[name + ".bias"].copy())
            if k == 3:
                mods.append(nn.ReflectionPad2d(1))
            mods.append(conv)
            if relu:
                mods.append(nn.ReLU())
            if name == last:
                break
            if pool:
                mods.append(nn.MaxPool2d(2, 2, ceil_mode=False))
        self.net = nn.Sequential(*mods)
        for p in self.parameters():
            p.requires_grad_(False)

    def forward(self, x):
        return self.net(x)


class Decoder(nn.Module):
    def __init__(self, layer):
        super().__init__()
        self.layer = layer
        self.names = []
        mods = []
        for name, o, i, relu, up in DECODER_LAYERS[layer]:
            mods.append(nn.ReflectionPad2d(1))
            conv = nn.Conv2d(i, o, 3)
            mods.append(conv)
            self.names.append((name, conv))
            if relu:
                mods.append(nn.ReLU())
            if up:
                mods.append(nn.Upsample(scale_factor=2, mode="nearest"))
        self.net = nn.Sequential(*mods)

    def forward(self, f):
        return self.net(f)

    def load_file(self, path):
        t, meta = load_safetensors(path)
        for name, conv in self.names:
            conv.weight.data = torch.from_numpy(t[name + ".weight"].copy())
            conv.bias.data = torch.from_numpy(t[name + ".bias"].copy())
        return meta

    def save_file(self, path, meta):
        t = {}
        for name, conv in self.names:
            t[name + ".weight"] = conv.weight.detach().cpu().numpy().astype(np.float16)
            t[name + ".bias"] = conv.bias.detach().cpu().numpy().astype(np.float16)
        m = {"format": "semantic-style-weights", "net": "decoder_" + self.layer}
        m.update(meta)
        tmp = path + ".tmp"
        save_safetensors(tmp, t, m)
        os.replace(tmp, path)
