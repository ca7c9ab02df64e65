"""Names with control characters, keywords and the generated code's own names, in every name slot.

The property, for every backend: a name either gives a located error whose record stays one
printable line (plus its hint), or a model that every backend builds into something valid:
a torch `.py` that imports and runs, an ONNX model that passes the checker, a diagram
`dot` renders. Valid names keep their spelling in state_dict keys and ONNX names.
"""

from __future__ import annotations

import importlib.util
import keyword
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import onnx
import pytest
import torch
import yaml
from fuzzkit import OUTCOMES, examples
from hypothesis import given
from hypothesis import strategies as st

import archdsl
from archdsl.backends.torch.lower import lower_with_info
from archdsl.backends.torch.source import standalone_source
from archdsl.errors import ArchdslError

CONTROL = "\n\r\t\x00\x0b\x0c\x1b\x1c\x7f\x85\u2028\u2029\ufeff"
CODE_NAMES = ["self", "torch", "x", "inf", "nan", "training", "outputs", "train_or_eval", "getattr", "print", "int",
              "object", "NoneType", "None", "True", "__init__", "__class__", "__x", "_add", "INIT", "forward_",
              *keyword.kwlist, *keyword.softkwlist]
DOT_WORDS = ["node", "edge", "graph", "digraph", "subgraph", "strict", "legend"]
PLAIN = st.text("abcXYZ019_", min_size=1, max_size=6)
NAMES = st.one_of(
    st.sampled_from(CODE_NAMES + DOT_WORDS),
    st.builds(lambda a, c, b: a + c + b, st.sampled_from(["", *CODE_NAMES, "c"]), st.sampled_from(CONTROL), PLAIN | st.just("")),
    st.builds(lambda a, c: a + c, PLAIN, st.text(CONTROL + " .-/\\\"'", min_size=1, max_size=3)),
    PLAIN,
)
SLOTS = st.sampled_from(["node", "second", "output", "input", "model"])


def spec_for(slot: str, name: str) -> dict[str, Any]:
    """A two-node spec with `name` in one slot (nodes use the `name:` form, so `graph`/`op` work too)."""
    names = {"node": "conv", "second": "act", "output": "out", "input": "x", "model": "tiny"} | {slot: name}
    return {"archdsl": 1, "name": names["model"], "inputs": {names["input"]: [3, 6, 6]},
            "graph": [{"name": names["node"], "op": "conv2d", "out": 2, "kernel": 3},
                      {"name": names["second"], "op": "relu"}],
            "outputs": [{names["output"]: names["second"]}]}


def check_error(error: ArchdslError) -> None:
    """Located, and every error of it one printable line (and a hint line)."""
    assert error.span is not None and error.span.line > 0, error.format()
    for line in error.format().splitlines():
        assert line.isprintable(), repr(line)
    errors = getattr(error, "errors", [error])
    assert all(len(e.format().splitlines()) == 1 + (e.hint is not None) for e in errors), error.format()


def check_torch(model: archdsl.Model, folder: Path) -> None:
    module, lowered = lower_with_info(model, seed=0)
    path = folder / "generated.py"
    path.write_text(standalone_source(model, module, lowered), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("generated_names", path)
    assert spec is not None and spec.loader is not None
    generated = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generated
    try:
        spec.loader.exec_module(generated)
    finally:
        del sys.modules[spec.name]
    cls = [v for v in vars(generated).values() if isinstance(v, type) and issubclass(v, torch.nn.Module)][-1]
    instance = cls()
    assert list(instance.state_dict()) == list(module.state_dict())
    instance.load_state_dict(module.state_dict())
    x = torch.randn(1, 3, 6, 6)
    with torch.no_grad():
        torch.testing.assert_close(instance.eval()(x), module.eval()(x))


def check_onnx(model: archdsl.Model) -> None:
    proto = model.to_onnx()
    onnx.checker.check_model(proto, full_check=True)
    node_names = {n.name for n in proto.graph.node}
    assert {n for n in model.graph.nodes if model.graph.nodes[n].op != "input"} <= node_names


def check_graphviz(model: archdsl.Model) -> None:
    source = model.to_graphviz().source
    done = subprocess.run([shutil.which("dot") or "dot", "-Tsvg"], input=source.encode(), capture_output=True,
                          check=False, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr.decode(errors="replace")


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` is not installed")
@examples(ci_default=60)
@given(slot=SLOTS, name=NAMES)
def test_any_name_is_a_located_error_or_builds_everywhere(tmp_path_factory: pytest.TempPathFactory,
                                                           slot: str, name: str) -> None:
    folder: Path = tmp_path_factory.mktemp("names")
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec_for(slot, name), allow_unicode=False, sort_keys=False), encoding="utf-8")
    try:
        model = archdsl.load(path)
        model.analyze()
        check_torch(model, folder)
        check_onnx(model)
    except ArchdslError as error:
        check_error(error)
        OUTCOMES[f"names: {type(error).__name__}"] += 1
        return
    check_graphviz(model)
    OUTCOMES["names: built"] += 1
