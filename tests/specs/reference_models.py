"""Hand-written PyTorch references for the library specs that have no torchvision
counterpart. Each follows its paper (source in the docstring), written without looking at
the spec's structure: where the spec uses a language device (grouped convs for AlexNet's two
GPUs, index_select for LeNet's C3 table, the unrolled recursion of FractalNet), the
reference spells the paper's own construction out. Parameters are created in the order the
spec schedules its nodes, so that weights can be copied across by position where the
tests compare outputs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.ops import StochasticDepth


def _relu_convs(channels: list[int], kernel: int, padding: int) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for cin, cout in zip(channels, channels[1:], strict=False):
        layers += [nn.Conv2d(cin, cout, kernel, padding=padding), nn.ReLU()]
    return layers


class LeNet5(nn.Module):
    """The common modern LeNet-5 (ReLU, max-pooling): 61,706 parameters (e.g. d2l.ai's count)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2)
        )
        self.classifier = nn.Sequential(nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x).flatten(1))


C3_TABLE = [  # LeCun et al. 1998, Table I: the S2 maps each C3 map reads
    [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [0, 4, 5], [0, 1, 5],
    [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [0, 3, 4, 5], [0, 1, 4, 5], [0, 1, 2, 5],
    [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5], [0, 1, 2, 3, 4, 5],
]  # fmt: skip


class Subsampling(nn.Module):
    """LeNet's S layers: sum of a 2×2 window × trainable coefficient + trainable bias, per map."""

    def __init__(self, maps: int) -> None:
        super().__init__()
        self.coefficient = nn.Parameter(torch.randn(maps))
        self.bias = nn.Parameter(torch.randn(maps))

    def forward(self, x: Tensor) -> Tensor:
        summed = 4 * F.avg_pool2d(x, 2)
        return torch.tanh(summed * self.coefficient[:, None, None] + self.bias[:, None, None])


class LeNet5Original(nn.Module):
    """LeNet-5 (LeCun et al. 1998, Section II.B): one small conv per C3 map over its Table I
    subset; a linear output instead of the RBF units (60,000 + 850 parameters)."""

    def __init__(self) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5)
        self.s2 = Subsampling(6)
        self.c3 = nn.ModuleList(nn.Conv2d(len(subset), 1, 5) for subset in C3_TABLE)
        self.s4 = Subsampling(16)
        self.c5 = nn.Conv2d(16, 120, 5)
        self.f6 = nn.Linear(120, 84)
        self.output = nn.Linear(84, 10)

    def forward(self, x: Tensor) -> Tensor:
        x = self.s2(torch.tanh(self.c1(x)))
        x = torch.cat([conv(x[:, subset]) for conv, subset in zip(self.c3, C3_TABLE, strict=True)], 1)
        x = torch.tanh(self.c5(self.s4(torch.tanh(x))))
        return self.output(torch.tanh(self.f6(x.flatten(1))))


class AlexNetTwoTower(nn.Module):
    """AlexNet as in Krizhevsky et al. 2012, Figure 2: two towers (one per GPU) that exchange
    maps only at conv3 and the FC layers; LRN k=2, n=5, α=1e-4, β=0.75 (PyTorch's α is per
    n, hence 5e-4). 60,965,224 parameters (the count widely reported for this network)."""

    def __init__(self) -> None:
        super().__init__()
        tower = lambda cin, cout, k, **kw: nn.ModuleList(nn.Conv2d(cin, cout, k, **kw) for _ in range(2))  # noqa: E731
        self.conv1 = tower(3, 48, 11, stride=4)
        self.conv2 = tower(48, 128, 5, padding=2)
        self.conv3 = tower(256, 192, 3, padding=1)
        self.conv4 = tower(192, 192, 3, padding=1)
        self.conv5 = tower(192, 128, 3, padding=1)
        self.lrn = nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)
        self.fc = nn.Sequential(nn.Linear(9216, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000))

    def forward(self, x: Tensor) -> Tensor:
        pool = lambda t: F.max_pool2d(t, 3, 2)  # noqa: E731
        a = b = x
        a, b = (pool(self.lrn(F.relu(conv(t)))) for conv, t in zip(self.conv1, (a, b), strict=True))
        a, b = (pool(self.lrn(F.relu(conv(t)))) for conv, t in zip(self.conv2, (a, b), strict=True))
        both = torch.cat([a, b], 1)
        a, b = (F.relu(conv(both)) for conv in self.conv3)
        a, b = (F.relu(conv(t)) for conv, t in zip(self.conv4, (a, b), strict=True))
        a, b = (pool(F.relu(conv(t))) for conv, t in zip(self.conv5, (a, b), strict=True))
        return self.fc(torch.cat([a, b], 1).flatten(1))


class ZFNet(nn.Module):
    """Zeiler & Fergus 2013, Figure 3: 224 → 110 → 55 → 26 → 13 → 13 → 13 → 6."""

    def __init__(self) -> None:
        super().__init__()
        lrn = lambda: nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)  # noqa: E731
        pool = lambda: nn.MaxPool2d(3, 2, ceil_mode=True)  # noqa: E731
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, 7, stride=2, padding=1), nn.ReLU(), pool(), lrn(),
            nn.Conv2d(96, 256, 5, stride=2), nn.ReLU(), pool(), lrn(),
            *_relu_convs([256, 384, 384, 256], 3, 1), pool(),
        )  # fmt: skip
        self.classifier = nn.Sequential(nn.Linear(9216, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000))

    def forward(self, x: Tensor) -> Tensor:
        x = self.features(x)
        assert x.shape[-2:] == (6, 6)
        return self.classifier(x.flatten(1))


class NiN(nn.Module):
    """Network in Network for CIFAR-10 (Lin et al. 2014; the authors' Caffe model: 192-160-96,
    192-192-192, 192-192-10)."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 192, 5, padding=2), nn.ReLU(), *_relu_convs([192, 160, 96], 1, 0),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            nn.Conv2d(96, 192, 5, padding=2), nn.ReLU(), *_relu_convs([192, 192, 192], 1, 0),
            nn.AvgPool2d(3, 2, ceil_mode=True),
            nn.Conv2d(192, 192, 3, padding=1), nn.ReLU(), *_relu_convs([192, 192, 10], 1, 0),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


def _conv_bn_relu(cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


class MobileNetV1(nn.Module):
    """Howard et al. 2017, Table 1 (the 7×7 "dw / s2" row is a typo for s1). Table 8: 4.2M
    parameters, 569M mult-adds at 224×224."""

    def __init__(self) -> None:
        super().__init__()
        layers = _conv_bn_relu(3, 32, 3, 2)
        cin = 32
        for cout, stride in [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]:
            layers += _conv_bn_relu(cin, cin, 3, stride, groups=cin) + _conv_bn_relu(cin, cout, 1)
            cin = cout
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(1024, 1000)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(F.adaptive_avg_pool2d(self.features(x), 1).flatten(1))


class YOLOv1(nn.Module):
    """Redmon et al. 2016, Figure 3, written out layer by layer: 24 convs, 2 FC, 7×7×30 out."""

    def __init__(self) -> None:
        super().__init__()
        spec = [(64, 7, 2), "M", (192, 3, 1), "M", (128, 1, 1), (256, 3, 1), (256, 1, 1), (512, 3, 1), "M"]
        spec += [(256, 1, 1), (512, 3, 1)] * 4 + [(512, 1, 1), (1024, 3, 1), "M"]
        spec += [(512, 1, 1), (1024, 3, 1)] * 2 + [(1024, 3, 1), (1024, 3, 2), (1024, 3, 1), (1024, 3, 1)]
        layers: list[nn.Module] = []
        cin = 3
        for item in spec:
            if item == "M":
                layers.append(nn.MaxPool2d(2, 2))
                continue
            cout, k, s = item
            layers += [nn.Conv2d(cin, cout, k, s, k // 2), nn.LeakyReLU(0.1)]
            cin = cout
        assert sum(isinstance(m, nn.Conv2d) for m in layers) == 24
        self.features = nn.Sequential(*layers)
        self.fc1 = nn.Linear(7 * 7 * 1024, 4096)
        self.fc2 = nn.Linear(4096, 7 * 7 * 30)

    def forward(self, x: Tensor) -> Tensor:
        x = F.leaky_relu(self.fc1(self.features(x).flatten(1)), 0.1)
        return self.fc2(x).view(-1, 7, 7, 30)


class RecurrentClassifier(nn.Module):
    """Embedding → nn.RNN/GRU/LSTM → last layer's final hidden state(s) → linear."""

    def __init__(self, cell: str, layers: int, bidirectional: bool) -> None:
        super().__init__()
        self.embedding = nn.Embedding(20000, 128, padding_idx=0)
        rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell]
        self.rnn = rnn(128, 256, layers, batch_first=True, bidirectional=bidirectional)
        self.fc = nn.Linear(256 * (2 if bidirectional else 1), 2)

    def forward(self, tokens: Tensor) -> Tensor:
        _, state = self.rnn(self.embedding(tokens))
        h_n = state[0] if isinstance(state, tuple) else state
        last = torch.cat([h_n[-2], h_n[-1]], 1) if self.rnn.bidirectional else h_n[-1]
        return self.fc(last)


class PreActBottleneck(nn.Module):
    """He et al. 2016b (Identity Mappings), Figure 1(b) with bottlenecks; a projection
    shortcut, where shapes change, reads the pre-activated input (as in the authors' code)."""

    def __init__(self, cin: int, planes: int, stride: int) -> None:
        super().__init__()
        self.bn1, self.conv1 = nn.BatchNorm2d(cin), nn.Conv2d(cin, planes, 1, bias=False)
        self.bn2, self.conv2 = nn.BatchNorm2d(planes), nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn3, self.conv3 = nn.BatchNorm2d(planes), nn.Conv2d(planes, 4 * planes, 1, bias=False)
        project = stride != 1 or cin != 4 * planes
        self.shortcut = nn.Conv2d(cin, 4 * planes, 1, stride, bias=False) if project else None

    def forward(self, x: Tensor) -> Tensor:
        pre = F.relu(self.bn1(x))
        out = self.conv3(F.relu(self.bn3(self.conv2(F.relu(self.bn2(self.conv1(pre)))))))
        return out + (self.shortcut(pre) if self.shortcut is not None else x)


class PreActResNet(nn.Module):
    """CIFAR pre-activation ResNet of depth 9n + 2 (Identity Mappings, Table 3: ResNet-164
    1.7M parameters, ResNet-1001 10.2M)."""

    def __init__(self, depth: int) -> None:
        super().__init__()
        n = (depth - 2) // 9
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        units, cin = [], 16
        for stage, planes in enumerate([16, 32, 64]):
            for i in range(n):
                units.append(PreActBottleneck(cin, planes, 2 if stage and not i else 1))
                cin = 4 * planes
        self.units = nn.Sequential(*units)
        self.bn = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin, 10)

    def forward(self, x: Tensor) -> Tensor:
        x = F.relu(self.bn(self.units(self.conv1(x))))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


class StochasticBasic(nn.Module):
    """He et al. 2016's CIFAR basic block with the option-A shortcut (subsample, zero-pad the
    new channels) and Huang et al. 2016's dropped branch."""

    def __init__(self, cin: int, planes: int, stride: int, p: float) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False), nn.BatchNorm2d(planes)
        self.conv2, self.bn2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False), nn.BatchNorm2d(planes)
        self.drop = StochasticDepth(p, "batch")
        self.stride, self.extra = stride, planes - cin

    def forward(self, x: Tensor) -> Tensor:
        out = self.drop(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))
        shortcut = F.pad(x[:, :, :: self.stride, :: self.stride], (0, 0, 0, 0, 0, self.extra))
        return F.relu(out + shortcut)


class StochasticDepthResNet(nn.Module):
    """Huang et al. 2016, CIFAR ResNet-110 (He et al.: 1.7M parameters), linear decay p_L = 0.5."""

    def __init__(self, depth: int = 110, death_rate: float = 0.5) -> None:
        super().__init__()
        n = (depth - 2) // 6
        self.conv1, self.bn1 = nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16)
        blocks, cin = [], 16
        for l in range(3 * n):  # noqa: E741
            planes = 16 * 2 ** (l // n)
            blocks.append(StochasticBasic(cin, planes, 2 if l in (n, 2 * n) else 1, death_rate * (l + 1) / (3 * n)))
            cin = planes
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, 10)

    def forward(self, x: Tensor) -> Tensor:
        x = self.blocks(F.relu(self.bn1(self.conv1(x))))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


class FractalNet(nn.Module):
    """Larsson et al. 2017, Figure 1 in column form: a block with C columns has 2^(C-1)
    levels; column j (0 = deepest) has a conv at every level i with (i + 1) % 2^j == 0; at
    each level the convs that end there are averaged and the mean feeds all of them again.
    Eval-mode forward (plain means); CIFAR: 5 blocks, C = 3, 64-128-256-512-512."""

    def __init__(self, columns: int = 3, channels: tuple[int, ...] = (64, 128, 256, 512, 512)) -> None:
        super().__init__()
        self.columns = columns
        self.convs = nn.ModuleDict()
        cin = 3
        for b, cout in enumerate(channels):
            for i in range(2 ** (columns - 1)):
                for j in range(columns):
                    if (i + 1) % 2**j == 0:
                        first = i + 1 == 2**j
                        self.convs[f"{b}_{i}_{j}"] = nn.Sequential(*_conv_bn_relu(cin if first else cout, cout, 3)[:2])
            cin = cout
        self.channels = channels
        self.fc = nn.Linear(cin, 10)

    def forward(self, x: Tensor) -> Tensor:
        for b in range(len(self.channels)):
            heads = [x] * self.columns
            for i in range(2 ** (self.columns - 1)):
                ending = [j for j in range(self.columns) if (i + 1) % 2**j == 0]
                joined = torch.stack([F.relu(self.convs[f"{b}_{i}_{j}"](heads[j])) for j in ending]).mean(0)
                for j in ending:
                    heads[j] = joined
            x = F.max_pool2d(heads[0], 2)
        return self.fc(x.flatten(1))


class UNet(nn.Module):
    """Ronneberger et al. 2015, Figure 1: unpadded convs, centre-cropped skips, 572 → 388."""

    def __init__(self, widths: tuple[int, ...] = (64, 128, 256, 512, 1024)) -> None:
        super().__init__()
        double = lambda cin, cout: nn.Sequential(nn.Conv2d(cin, cout, 3), nn.ReLU(), nn.Conv2d(cout, cout, 3), nn.ReLU())  # noqa: E731
        self.down = nn.ModuleList(double(cin, cout) for cin, cout in zip((1, *widths), widths, strict=False))
        self.up = nn.ModuleList()
        for cout in reversed(widths[:-1]):
            self.up.append(nn.ModuleList([nn.ConvTranspose2d(2 * cout, cout, 2, 2), double(2 * cout, cout)]))
        self.classifier = nn.Conv2d(widths[0], 2, 1)

    def forward(self, x: Tensor) -> Tensor:
        skips = []
        for level, block in enumerate(self.down):
            x = block(x if level == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        for (upconv, block), skip in zip(self.up, reversed(skips[:-1]), strict=True):
            x = upconv(x)
            dy, dx = (skip.shape[-2] - x.shape[-2]) // 2, (skip.shape[-1] - x.shape[-1]) // 2
            x = block(torch.cat([skip[:, :, dy : dy + x.shape[-2], dx : dx + x.shape[-1]], x], 1))
        return self.classifier(x)


class FCN(nn.Module):
    """Long et al. 2015 (the released voc-fcn32s / voc-fcn8s Caffe nets): VGG-16 with conv1_1
    padded by 100, fc6/fc7 as convs, transposed-conv upsampling, crops at offsets 19 (32s)
    or 5, 9 and 31 (8s). Paper, Table 1: FCN-VGG16 134M parameters."""

    def __init__(self, stride: int) -> None:
        super().__init__()
        self.stride = stride
        convs: list[nn.Module] = []
        cin = 3
        for n, cout in zip([2, 2, 3, 3, 3], [64, 128, 256, 512, 512], strict=True):
            for _ in range(n):
                convs.append(nn.Conv2d(cin, cout, 3, padding=100 if not convs else 1))
                cin = cout
        self.convs = nn.ModuleList(convs)
        self.fc6, self.fc7, self.score_fr = nn.Conv2d(512, 4096, 7), nn.Conv2d(4096, 4096, 1), nn.Conv2d(4096, 21, 1)
        if stride == 32:
            self.upscore = nn.ConvTranspose2d(21, 21, 64, 32, bias=False)
        else:
            self.upscore2 = nn.ConvTranspose2d(21, 21, 4, 2, bias=False)
            self.score_pool4 = nn.Conv2d(512, 21, 1)
            self.upscore_pool4 = nn.ConvTranspose2d(21, 21, 4, 2, bias=False)
            self.score_pool3 = nn.Conv2d(256, 21, 1)
            self.upscore8 = nn.ConvTranspose2d(21, 21, 16, 8, bias=False)

    @staticmethod
    def crop(x: Tensor, like: Tensor, offset: int) -> Tensor:
        return x[:, :, offset : offset + like.shape[-2], offset : offset + like.shape[-1]]

    def forward(self, image: Tensor) -> Tensor:
        x, pools = image, []
        for k, conv in enumerate(self.convs):
            x = F.relu(conv(x))
            if k in (1, 3, 6, 9, 12):
                x = F.max_pool2d(x, 2, 2, ceil_mode=True)
                pools.append(x)
        score = self.score_fr(F.relu(self.fc7(F.relu(self.fc6(x)))))
        if self.stride == 32:
            return self.crop(self.upscore(score), image, 19)
        up = self.upscore2(score)
        up = self.upscore_pool4(up + self.crop(self.score_pool4(pools[3]), up, 5))
        up = self.upscore8(up + self.crop(self.score_pool3(pools[2]), up, 9))
        return self.crop(up, image, 31)
