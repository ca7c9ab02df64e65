"""The standalone `.py` (`build --backend torch -o m.py`) always compiles and means what the spec says.

Every library spec's source goes through `compile()`, is written to a file, imported and
instantiated, and its state_dict matches the fx GraphModule's key for key; a few small ones
also run a forward pass on the fx module's weights and must agree with it. Arbitrary
descriptions (control characters, quotes, backslashes, NUL, line separators) give a module
that imports and reads the description back unchanged.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import torch
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import archdsl
from archdsl.backends.torch.examples import example_inputs
from archdsl.backends.torch.lower import lower_with_info
from archdsl.backends.torch.pytext import docstring, literal
from archdsl.backends.torch.source import class_name, standalone_source
from archdsl.spec.library import library_names

RUN = {"lenet5": None, "lstm_classifier": None, "gru_classifier": None, "squeezenet1_1": (3, 64, 64),
       "googlenet": (3, 64, 64), "shufflenet_v2_x0_5": (3, 64, 64), "densenet121": (3, 64, 64),
       "fractalnet": None}
"""Library specs whose generated forward runs (input shape override, None: the spec's own)."""


def source_of(model: archdsl.Model) -> tuple[str, torch.fx.GraphModule]:
    module, lowered = lower_with_info(model, seed=0, device="cpu")
    return standalone_source(model, module, lowered), module


def import_source(source: str, folder: Path, name: str) -> types.ModuleType:
    """Write `source` to `folder/name.py` and import it as a module (a real import, not an exec)."""
    path = folder / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"generated_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def generated_class(module: types.ModuleType) -> type[torch.nn.Module]:
    """The model class: the module defines it last, after the runtime helpers it uses."""
    return [v for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, torch.nn.Module) and v.__module__ == module.__name__][-1]


@pytest.mark.parametrize("name", library_names())
def test_every_library_spec_source_compiles_imports_and_instantiates(name: str, tmp_path: Path) -> None:
    model = archdsl.load(name)
    source, fx_module = source_of(model)
    compile(source, f"{name}.py", "exec")
    generated = generated_class(import_source(source, tmp_path, name))()
    ours = {k: tuple(v.shape) for k, v in generated.state_dict().items()}
    assert ours == {k: tuple(v.shape) for k, v in fx_module.state_dict().items()}
    assert list(ours) == list(fx_module.state_dict())


@pytest.mark.parametrize("name", sorted(RUN))
def test_library_sources_run_like_the_fx_module(name: str, tmp_path: Path) -> None:
    shape = RUN[name]
    model = archdsl.load(name, input_shapes={next(iter(archdsl.load(name).spec.inputs)): shape} if shape else None)
    source, fx_module = source_of(model)
    generated = generated_class(import_source(source, tmp_path, name))()
    generated.load_state_dict(fx_module.state_dict(), strict=True)
    inputs = list(example_inputs(model.graph, batch=2).values())
    with torch.no_grad():
        torch.testing.assert_close(generated.eval()(*inputs), fx_module.eval()(*inputs))


NASTY = ["C:\\Users\\me\\new", 'ends in a quote"', 'a """ b', "nul \x00 here", "\\", '"', "\\N{BULLET}", "\r\n",
         "\u2028", "\u2029 para", "\x85 nel", "tab\there", "\\x41", "'''", "\x1b[31m red", "\ufeff bom", "\x7f del"]
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
HOSTILE_TEXT = ANY_TEXT | st.sampled_from([*NASTY, "\ud800 lone"])
YAML_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40) | st.sampled_from(NASTY)
"""What YAML can carry: every character but lone surrogates (a YAML file is UTF-8)."""


@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(HOSTILE_TEXT)
def test_docstring_reads_back_any_text(text: str) -> None:
    literal_text = docstring(text)
    assert ast.literal_eval(literal_text) == text
    assert all(c.isprintable() or c == "\n" for c in literal_text)


@pytest.mark.parametrize("value", [float("inf"), -float("inf"), [1.0, float("nan")], {"a": (1,)}, "it's \x00", ("x",)])
def test_literals_evaluate_to_the_value(value: Any) -> None:
    text = literal(value)
    got = eval(text, {})  # noqa: S307 - the code under test
    assert repr(got) == repr(value)


@settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(description=YAML_TEXT)
def test_any_yaml_description_gives_a_module_that_imports(tmp_path_factory: pytest.TempPathFactory,
                                                          description: str) -> None:
    folder: Path = tmp_path_factory.mktemp("desc")
    spec = {"archdsl": 1, "name": "tiny", "description": description, "inputs": {"x": [3, 6, 6]},
            "graph": [{"conv": {"op": "conv2d", "out": 2, "kernel": 3}}]}
    path = folder / "tiny.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=False), encoding="utf-8")
    model = archdsl.load(path)
    source, _ = source_of(model)
    compile(source, "tiny.py", "exec")
    generated = import_source(source, folder, "tiny")
    assert generated.Tiny.__doc__ == (model.spec.description or "tiny")
    assert model.spec.description in generated.__doc__
    assert generated.Tiny()(torch.zeros(1, 3, 6, 6)).shape == (1, 2, 4, 4)


@pytest.mark.parametrize(("spec_name", "taken", "expected"), [
    ("resnet50", set(), "Resnet50"), ("none", set(), "ModelNone"), ("INIT", set(), "ModelINIT"),
    ("torch", set(), "Torch"), ("object", set(), "Object"), ("str", set(), "Str"), ("3d", set(), "Model3d"),
    ("shuffle", {"Shuffle"}, "ModelShuffle"), ("true", set(), "ModelTrue"),
])
def test_class_names_avoid_what_the_module_defines(spec_name: str, taken: set[str], expected: str) -> None:
    assert class_name(spec_name, taken) == expected
