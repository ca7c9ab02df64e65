"""Torch lowerings, registered through the torch backend's table (`lowers`). Imported by
the torch backend when it loads its rules, so torch is imported only then."""

from __future__ import annotations

from typing import Any

import torch
from torch import fx, nn
from torch.nn import functional as F

from archdsl.backends.torch.table import Make, Site, lowers
from archdsl.ops.base import channels


def _size(value: int | list[int]) -> int | tuple[int, ...]:
    return tuple(value) if isinstance(value, list) else value


class CoordConv2d(nn.Conv2d):
    """nn.Conv2d over the input with y, x (and r) coordinate channels appended."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, bias: bool = True, with_r: bool = False, device: Any = None, dtype: Any = None) -> None:
        extra = 3 if with_r else 2
        super().__init__(in_channels + extra, out_channels, kernel_size, stride, padding, dilation,
                         bias=bias, device=device, dtype=dtype)
        self.with_r = with_r

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        y = torch.linspace(-1.0, 1.0, h, dtype=x.dtype, device=x.device).view(1, 1, h, 1).expand(n, 1, h, w)
        xs = torch.linspace(-1.0, 1.0, w, dtype=x.dtype, device=x.device).view(1, 1, 1, w).expand(n, 1, h, w)
        extra = [y, xs, torch.sqrt(y * y + xs * xs)] if self.with_r else [y, xs]
        return super().forward(torch.cat([x, *extra], dim=1))


class SqueezeExcite(nn.Module):
    """x × sigmoid(fc2(relu(fc1(mean over H, W of x))))."""

    def __init__(self, channels: int, squeeze: int, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeeze, 1, device=device, dtype=dtype)
        self.fc2 = nn.Conv2d(squeeze, channels, 1, device=device, dtype=dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = torch.sigmoid(self.fc2(F.relu(self.fc1(F.adaptive_avg_pool2d(x, 1)))))
        return x * gate


@lowers("coordconv")
def coordconv(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    return site.module(Make(CoordConv2d, {
        "in_channels": channels(site.inputs[0]), "out_channels": a.out, "kernel_size": _size(a.kernel),
        "stride": _size(a.stride), "padding": _size(a.padding), "dilation": _size(a.dilation),
        "bias": a.bias, "with_r": a.with_r,
    }), *x)


@lowers("squeeze_excite")
def squeeze_excite(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(Make(SqueezeExcite, {"channels": channels(site.inputs[0]), "squeeze": site.attrs.squeeze}), *x)
