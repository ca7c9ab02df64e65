"""Graph inputs."""

from __future__ import annotations

from archdsl.backends.onnx.table import Emitter, Site


def input_(site: Site, x: list[str]) -> list[str]:
    return [site.graph_input()]


TABLE: dict[str, Emitter] = {"input": Emitter(input_)}
