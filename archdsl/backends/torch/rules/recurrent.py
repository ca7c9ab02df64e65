"""Recurrent layers: torch.nn.RNN, GRU and LSTM modules under the node's dotted name."""

from __future__ import annotations

from typing import Any

from torch import fx, nn

from archdsl.backends.torch.table import Entry, Make, Site


def _recurrent(site: Site, cls: type[nn.Module], extra: dict[str, Any]) -> Make:
    a = site.attrs
    return Make(cls, {"input_size": int(site.inputs[0].shape[2]), "hidden_size": a.hidden, "num_layers": a.num_layers,
                      **extra, "bias": a.bias, "batch_first": a.batch_first, "dropout": a.dropout,
                      "bidirectional": a.bidirectional})


def rnn(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_recurrent(site, nn.RNN, {"nonlinearity": site.attrs.nonlinearity}), *x)


def gru(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_recurrent(site, nn.GRU, {}), *x)


def lstm(site: Site, x: list[fx.Node]) -> fx.Node:
    return site.module(_recurrent(site, nn.LSTM, {}), *x)


def _lstm_port(port: int) -> tuple[int, ...]:
    """nn.LSTM returns (output, (h_n, c_n)); ports are output, h_n, c_n."""
    return (0,) if port == 0 else (1, port - 1)


TABLE: dict[str, Entry] = {
    "rnn": Entry(rnn),
    "gru": Entry(gru),
    "lstm": Entry(lstm, port_path=_lstm_port),
}
