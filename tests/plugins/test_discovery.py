"""Finding installed plugins: lazily, deterministically, and a broken one breaks only
the specs that use its ops. (Kept apart from tests that load every plugin.)"""

from __future__ import annotations

from pathlib import Path

import pytest

import archdsl
from archdsl.cli import main
from archdsl.errors import ArchdslError
from archdsl.plugin import declared, registry

pytestmark = pytest.mark.usefixtures("plugin_site")


def test_discovery_reads_metadata_in_a_stable_order() -> None:
    assert list(declared()) == ["broken_op", "coordconv", "missing_op", "squeeze_excite"]


def test_a_plugin_loads_only_when_a_spec_uses_its_op(tmp_path: Path) -> None:
    archdsl.load("lenet5")
    assert registry.LOADED == {}
    path = tmp_path / "coord.yaml"
    path.write_text("archdsl: 1\ninputs: {x: [3, 8, 8]}\ngraph:\n  - c: {op: coordconv, out: 4, kernel: 1}\n")
    archdsl.load(path)
    (plugin,) = registry.LOADED.values()
    assert plugin.name == "archdsl-coordconv" and plugin.ops == ["coordconv", "squeeze_excite"]
    assert plugin.lowerings == {"torch": ["archdsl_coordconv.torch_lowering"],
                                "onnx": ["archdsl_coordconv.onnx_lowering"],
                                "graphviz": ["archdsl_coordconv.graphviz_labels"]}


def test_a_broken_plugin_is_an_error_only_where_its_op_is_used(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("archdsl: 1\ninputs: {x: [3, 8, 8]}\ngraph:\n  - b: {op: broken_op}\n")
    with pytest.raises(ArchdslError) as caught:
        archdsl.load(path)
    assert caught.value.span is not None and caught.value.span.line == 4
    assert caught.value.message == ("op 'broken_op' is provided by plugin archdsl-broken which failed to load: "
                                    "RuntimeError: this plugin is broken on purpose")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "broken.yaml:4:" in err and "Traceback" not in err
    path.write_text("archdsl: 1\ninputs: {x: [3, 8, 8]}\ngraph:\n  - b: {op: missing_op}\n")
    with pytest.raises(ArchdslError, match="plugin archdsl-missing which failed to load: ModuleNotFoundError"):
        archdsl.load(path)
    assert archdsl.load("lenet5").graph.name == "lenet5"


def test_a_misspelt_plugin_op_gets_a_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text("archdsl: 1\ninputs: {x: [3, 8, 8]}\ngraph:\n  - c: {op: coordconf, out: 4, kernel: 1}\n")
    with pytest.raises(ArchdslError) as caught:
        archdsl.load(path)
    assert caught.value.message == "unknown op 'coordconf'" and caught.value.hint == "did you mean 'coordconv'?"
