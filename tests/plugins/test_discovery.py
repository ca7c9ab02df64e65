"""Finding installed plugins: lazily, deterministically, and a broken one breaks only
the specs that use its ops. (Kept apart from tests that load every plugin.)"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import archdsl
from archdsl.cli import main
from archdsl.errors import ArchdslError
from archdsl.plugin import declared, refresh, registry

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


FORMS = '''
from archdsl.ops import Op


class Doubled(Op):
    """Not decorated: the entry point names the class, archdsl registers it."""

    name = "class_op"
    family = "activation"

    def infer(self, attrs, inputs):
        return [inputs[0]]


def register_ops():
    from archdsl.ops import register

    @register
    class Called(Doubled):
        """Registered by a function the entry point names."""

        name = "function_op"


NOT_A_LOADER = 42
'''


def test_an_entry_point_may_name_a_class_a_function_or_nothing_callable(tmp_path: Path, write_dist: Callable[..., None]) -> None:
    (tmp_path / "archdsl_forms.py").write_text(FORMS, encoding="utf-8")
    write_dist(tmp_path, "archdsl-forms", "0.1", {"archdsl.ops": {
        "class_op": "archdsl_forms:Doubled", "function_op": "archdsl_forms:register_ops",
        "number_op": "archdsl_forms:NOT_A_LOADER"}})
    sys.path.insert(0, str(tmp_path))
    refresh()
    try:
        spec = tmp_path / "forms.yaml"
        spec.write_text("archdsl: 1\ninputs: {x: [4]}\ngraph:\n  - a: {op: class_op}\n  - b: {op: function_op}\n")
        assert [n.op for n in archdsl.load(spec).graph][1:] == ["class_op", "function_op"]
        spec.write_text("archdsl: 1\ninputs: {x: [4]}\ngraph:\n  - a: {op: number_op}\n")
        with pytest.raises(ArchdslError, match="the entry point's object is a int, not a module, Op class or callable"):
            archdsl.load(spec)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("archdsl_forms", None)
        refresh()
