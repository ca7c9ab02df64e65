"""Ops with parameters, buffers or train/eval behaviour: lowered to torch.nn modules
registered under the node's dotted name (so its weights get torch's names)."""

from __future__ import annotations

from typing import Any

from torch import fx, nn

from archdsl.ops.base import channels
from backends.torch.runtime import DropPath
from backends.torch.table import Make, Site, lowers


def size(value: int | list[int]) -> int | tuple[int, ...]:
    """An int-or-list attribute as torch takes it."""
    return tuple(value) if isinstance(value, list) else value


def _conv(site: Site, cls: type[nn.Module], extra: dict[str, Any]) -> Make:
    a = site.attrs
    padding = a.padding if isinstance(a.padding, str) else size(a.padding)
    return Make(cls, {
        "in_channels": channels(site.inputs[0]), "out_channels": a.out, "kernel_size": size(a.kernel),
        "stride": size(a.stride), "padding": padding, **extra,
        "dilation": size(a.dilation), "groups": a.groups, "bias": a.bias,
    })


@lowers("conv1d")
def conv1d(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_conv(site, nn.Conv1d, {}), *x)


@lowers("conv2d")
def conv2d(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_conv(site, nn.Conv2d, {}), *x)


@lowers("conv_transpose2d")
def conv_transpose2d(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_conv(site, nn.ConvTranspose2d, {"output_padding": size(site.attrs.output_padding)}), *x)


@lowers("linear")
def linear(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    return site.module(Make(nn.Linear, {"in_features": int(site.inputs[0].shape[-1]), "out_features": a.out, "bias": a.bias}), *x)


@lowers("embedding")
def embedding(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    return site.module(Make(nn.Embedding, {"num_embeddings": a.num, "embedding_dim": a.dim, "padding_idx": a.padding_idx}), *x)


def _batchnorm(site: Site, cls: type[nn.Module]) -> Make:
    a = site.attrs
    return Make(cls, {"num_features": channels(site.inputs[0]), "eps": a.eps, "momentum": a.momentum,
                      "affine": a.affine, "track_running_stats": a.track_running_stats})


@lowers("batchnorm1d")
def batchnorm1d(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_batchnorm(site, nn.BatchNorm1d), *x)


@lowers("batchnorm2d")
def batchnorm2d(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_batchnorm(site, nn.BatchNorm2d), *x)


@lowers("layernorm")
def layernorm(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    shape = tuple(int(d) for d in site.inputs[0].shape[site.inputs[0].rank - a.dims:])
    return site.module(Make(nn.LayerNorm, {"normalized_shape": shape, "eps": a.eps,
                                           "elementwise_affine": a.elementwise_affine, "bias": a.bias}), *x)


@lowers("groupnorm")
def groupnorm(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    return site.module(Make(nn.GroupNorm, {"num_groups": a.groups, "num_channels": channels(site.inputs[0]),
                                           "eps": a.eps, "affine": a.affine}), *x)


@lowers("prelu")
def prelu(site: Site, x: list[fx.Node]) -> fx.Node:
    a = site.attrs
    count = channels(site.inputs[0]) if a.num_parameters == "channels" else 1
    return site.module(Make(nn.PReLU, {"num_parameters": count, "init": a.init}), *x)


def _recurrent(site: Site, cls: type[nn.Module], extra: dict[str, Any]) -> Make:
    a = site.attrs
    return Make(cls, {"input_size": int(site.inputs[0].shape[2]), "hidden_size": a.hidden, "num_layers": a.num_layers,
                      **extra, "bias": a.bias, "batch_first": a.batch_first, "dropout": a.dropout,
                      "bidirectional": a.bidirectional})


@lowers("rnn")
def rnn(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_recurrent(site, nn.RNN, {"nonlinearity": site.attrs.nonlinearity}), *x)


@lowers("gru")
def gru(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_recurrent(site, nn.GRU, {}), *x)


@lowers("lstm", port_path=lambda port: (0,) if port == 0 else (1, port - 1))
def lstm(site: Site, x: list[fx.Node]) -> fx.Node:
    """nn.LSTM returns (output, (h_n, c_n)); ports are output, h_n, c_n."""
    return site.module(_recurrent(site, nn.LSTM, {}), *x)


def _dropout(site: Site, cls: type[nn.Module]) -> Make:
    return Make(cls, {"p": site.attrs.p, "inplace": site.in_place})


@lowers("dropout")
def dropout(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_dropout(site, nn.Dropout), *x)


@lowers("dropout2d")
def dropout2d(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_dropout(site, nn.Dropout2d), *x)


@lowers("drop_path")
def drop_path(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(Make(DropPath, {"p": site.attrs.p, "mode": site.attrs.mode}), *x)

