"""What the core hands a backend: the narrow Lowering, never the loaded Model."""

from __future__ import annotations

from typing import Any

import pytest

import archdsl
import archdsl.model
from archdsl.backends import Backend
from archdsl.backends.graphviz import to_dot
from archdsl.lowering import Lowering, SpecInfo


def test_a_backend_receives_the_lowering_and_the_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[Any, dict[str, Any]]] = []

    def lower(lowering: Any, **options: Any) -> str:
        seen.append((lowering, options))
        return "lowered"

    monkeypatch.setattr(archdsl.model, "get_backend", lambda name: Backend(name, "records its input", lower))
    model = archdsl.load("lenet5", num_classes=7)
    assert model.lower("recorder", seed=3) == "lowered"
    (lowering, options), = seen
    assert isinstance(lowering, Lowering) and not isinstance(lowering, archdsl.Model)
    assert options == {"seed": 3}
    assert lowering.graph is model.graph and lowering.init == model.init
    assert lowering.spec == SpecInfo("lenet5", model.spec.description, model.spec.file, {"num_classes": 7})
    assert lowering.analyze() is model.analyze()  # computed once, shared


def test_the_backends_python_api_takes_a_loaded_model_or_its_lowering() -> None:
    model = archdsl.load("lenet5")
    assert to_dot(model, depth=1) == to_dot(model.lowering, depth=1)
