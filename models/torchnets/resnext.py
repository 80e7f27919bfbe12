"""ResNeXt50-32x4d written by hand with torchvision's module names, so `resnext50_32x4d` state dicts load strictly.

Children in torchvision's order: conv1, bn1, relu, maxpool, layer1..layer4, avgpool, fc (the earlier projects'
`nn.Sequential(*children[:-2])` therefore has keys model.0 ... model.7). Stride on the 3x3 conv (ResNet v1.5).
"""

from __future__ import annotations

GROUPS, WIDTH_PER_GROUP, EXPANSION = 32, 4, 4
LAYERS = (3, 4, 6, 3)


def _classes():
    """Module classes built on first use, so importing this file loads no torch."""
    from torch import nn

    class Bottleneck(nn.Module):
        """1x1 reduce, grouped 3x3 (stride here), 1x1 expand, identity or projected shortcut."""

        def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample=None):
            super().__init__()
            width = int(planes * WIDTH_PER_GROUP / 64) * GROUPS
            self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.conv2 = nn.Conv2d(width, width, 3, stride, padding=1, groups=GROUPS, bias=False)
            self.bn2 = nn.BatchNorm2d(width)
            self.conv3 = nn.Conv2d(width, planes * EXPANSION, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(planes * EXPANSION)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = downsample

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    class ResNeXt50(nn.Module):
        """ResNeXt50-32x4d for 1000 ImageNet classes (or `num_classes`)."""

        def __init__(self, num_classes: int = 1000):
            super().__init__()
            self.inplanes = 64
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            self.layer1 = self._layer(64, LAYERS[0], 1)
            self.layer2 = self._layer(128, LAYERS[1], 2)
            self.layer3 = self._layer(256, LAYERS[2], 2)
            self.layer4 = self._layer(512, LAYERS[3], 2)
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(512 * EXPANSION, num_classes)
            self._init()

        def _layer(self, planes: int, blocks: int, stride: int):
            down = None
            if stride != 1 or self.inplanes != planes * EXPANSION:
                down = nn.Sequential(nn.Conv2d(self.inplanes, planes * EXPANSION, 1, stride, bias=False),
                                     nn.BatchNorm2d(planes * EXPANSION))
            layers = [Bottleneck(self.inplanes, planes, stride, down)]
            self.inplanes = planes * EXPANSION
            layers += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
            return nn.Sequential(*layers)

        def _init(self) -> None:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.ones_(m.weight)
                    nn.init.zeros_(m.bias)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(self.avgpool(x).flatten(1))

    return ResNeXt50


def resnext50_32x4d(num_classes: int = 1000):
    """A randomly initialised ResNeXt50-32x4d with torchvision's state-dict keys."""
    return _classes()(num_classes)
