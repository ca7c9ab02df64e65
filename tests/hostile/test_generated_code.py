"""Names and descriptions that try to break generated Python (and the other backends' output).

Each case is a real `python -m archdsl build --backend torch -o m.py` process. A spec that is
valid must give a `m.py` that `python -m py_compile` accepts and that a fresh `python` imports,
instantiates and runs, with the spec's names kept as module paths and state_dict keys and
the description read back unchanged. A name that is not valid must be a clean, located,
one-line error that leaves no `m.py`. The expectation is written next to each case.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.hostile.conftest import Finished, assert_clean_error

CHECK = """
import json, torch, m
expected = json.load(open("expected.json", encoding="utf-8"))
cls = [v for v in vars(m).values() if isinstance(v, type) and issubclass(v, torch.nn.Module)][-1]
model = cls()
assert cls.__doc__ == expected["doc"], (cls.__doc__, expected["doc"])
assert expected["doc"] in m.__doc__, m.__doc__
keys = list(model.state_dict())
assert all(k in keys for k in expected["keys"]), keys
inputs = [torch.randn(2, *shape) for shape in expected["shapes"]]
out = model.train()(*inputs)
names = sorted(out) if isinstance(out, dict) else None
assert names == expected["outputs"], names
model.eval()(*inputs)
print("ok")
"""
"""Run in the build's folder by a fresh `python`: imports m.py, instantiates it, runs forward in
train and eval mode, and compares docstrings, state_dict keys and train-mode output names."""


def _spec(graph: list[dict[str, Any]], description: str | None = None, inputs: dict[str, list[int]] | None = None,
          outputs: list[Any] | None = None, name: str = "tiny") -> dict[str, Any]:
    spec: dict[str, Any] = {"archdsl": 1, "name": name}
    if description is not None:
        spec["description"] = description
    spec |= {"inputs": inputs or {"x": [3, 8, 8]}, "graph": graph}
    return spec | ({"outputs": outputs} if outputs is not None else {})


CONV = {"op": "conv2d", "out": 4, "kernel": 3}


@dataclass(frozen=True)
class Builds:
    """A valid spec: `m.py` must compile, import, instantiate and run (see CHECK)."""

    spec: dict[str, Any]
    keys: tuple[str, ...] = ()
    """state_dict keys the generated module must have: the spec's names, unchanged."""
    outputs: tuple[str, ...] | None = None
    """The train-mode output dict's keys (None: a single tensor)."""


BUILDS: dict[str, Builds] = {
    # `self` is forward's first argument, `torch` the module's import, `lambda`/`class` keywords:
    # the generated code renames its values (self_, torch_, ...) and reads `getattr(self, "lambda")`;
    # the module paths and state_dict keys stay `self.weight`, `lambda.weight`, `class.weight`
    "nodes named self, torch, lambda, class": Builds(
        _spec([{"self": CONV}, {"torch": {"op": "relu"}}, {"lambda": {"op": "conv2d", "out": 4, "kernel": 1}},
               {"name": "class", "op": "conv2d", "out": 4, "kernel": 1}]),
        keys=("self.weight", "lambda.weight", "class.bias")),
    # names the module itself defines or reads (INIT, _add, getattr) and fx's own (training, outputs),
    # with a train-only output so the eval-mode early return is generated too
    "nodes named after the module's own globals, with a train-only head": Builds(
        _spec([{"INIT": CONV}, {"_add": {"op": "relu"}}, {"getattr": {"op": "relu", "from": "INIT"}},
               {"training": {"op": "relu", "from": "_add"}}, {"name": "outputs", "op": "relu", "from": "training"}],
              outputs=[{"main": "outputs"}, {"aux": {"from": "getattr", "train_only": True}}]),
        keys=("INIT.weight",), outputs=("aux", "main")),
    # a block called `lambda` whose children are `0`, `class` and `self`: nested paths that need getattr
    "nested keyword paths": Builds(
        _spec([{"name": "lambda", "graph": [CONV, {"class": {"op": "conv2d", "out": 4, "kernel": 1}},
                                             {"self": {"op": "batchnorm2d"}}]}]),
        keys=("lambda.0.weight", "lambda.class.weight", "lambda.self.running_mean")),
    # an input named `torch` becomes forward's argument `torch_`; the module still uses the real torch
    "input named torch": Builds(_spec([{"c": CONV}], inputs={"torch": [3, 8, 8]}), keys=("c.weight",)),
    # a Windows path: backslashes (`\U` would be a bad unicode escape, `\n` a newline) stay text
    "description is a Windows path": Builds(_spec([{"c": CONV}], "weights in C:\\Users\\me\\new\\x41")),
    # a description ending in a quote would close the docstring early
    "description ends in a quote": Builds(_spec([{"c": CONV}], 'the "small" model"')),
    # triple quotes and a trailing backslash inside the docstring
    "description with triple quotes": Builds(_spec([{"c": CONV}], 'a """ b \'\'\' c \\')),
    # a NUL is not allowed in source text at all: it is escaped, and reads back as a NUL
    "description with a NUL": Builds(_spec([{"c": CONV}], "nul \x00 here")),
    # control characters and unicode line breaks (which Python's tokenizer may treat as line ends)
    "description with control characters and line separators": Builds(
        _spec([{"c": CONV}], "cr\r lf\n tab\t esc\x1b[31m nel\x85 ls\u2028 ps\u2029 bom\ufeff del\x7f")),
    # output labels are dict keys in forward's return: quotes and backslashes stay in the key
    "output labels with quotes and backslashes": Builds(
        _spec([{"c": CONV}, {"r": {"op": "relu"}}], outputs=[{"it's \"x\\": "c"}, {'"""': "r"}]),
        outputs=('"""', "it's \"x\\")),
}


@dataclass(frozen=True)
class Rejected:
    """A spec (as YAML text, escapes as written) that must fail cleanly, leaving no m.py."""

    text: str
    fragments: tuple[str, ...]
    """Where and what: the location, then the message, both on the error's one line."""


HEAD = "archdsl: 1\nname: tiny\ninputs: {x: [3, 8, 8]}\ngraph:\n"
REJECTED: dict[str, Rejected] = {
    # `^...$` patterns accepted a trailing newline; a full match does not
    "node name with a trailing newline": Rejected(
        HEAD + '  - "c\\n": {op: conv2d, out: 4, kernel: 3}\n', ("spec.yaml:5:5:", "invalid node name 'c\\n'")),
    "node name with a NUL": Rejected(
        HEAD + '  - "c\\0d": {op: conv2d, out: 4, kernel: 3}\n', ("spec.yaml:5:5:", "invalid node name 'c\\x00d'")),
    "node name with a tab": Rejected(
        HEAD + '  - "c\\td": {op: relu}\n', ("spec.yaml:5:5:", "invalid node name 'c\\td'")),
    "node name with a line separator": Rejected(
        HEAD + '  - "c\\u2028": {op: relu}\n', ("spec.yaml:5:5:", "invalid node name 'c\\u2028'")),
    "model name with a trailing newline": Rejected(
        'archdsl: 1\nname: "tiny\\n"\ninputs: {x: [3, 8, 8]}\ngraph:\n  - c: {op: relu}\n',
        ("spec.yaml:2:1:", "a model name is letters, digits and _")),
    "input name with a trailing newline": Rejected(
        'archdsl: 1\nname: tiny\ninputs: {"x\\n": [3, 8, 8]}\ngraph:\n  - c: {op: relu}\n',
        ("spec.yaml:3:10:", "invalid input name 'x\\n'")),
    "output label with a carriage return": Rejected(
        HEAD + '  - c: {op: relu}\noutputs: [{"out\\r": c}]\n', ("spec.yaml:6:12:", "invalid output name 'out\\r'")),
    # `self` as an input would be forward's argument twice: the spec language forbids it
    "input named self": Rejected(
        "archdsl: 1\nname: tiny\ninputs: {self: [3, 8, 8]}\ngraph:\n  - c: {op: relu}\n",
        ("spec.yaml:3:10:", "invalid input name 'self'")),
}


def _python(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("name", BUILDS)
def test_valid_specs_give_a_module_that_imports_and_runs(name: str, tmp_path: Path,
                                                         archdsl_cli: Callable[..., Finished]) -> None:
    case = BUILDS[name]
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(case.spec, allow_unicode=False, sort_keys=False),
                                        encoding="utf-8")
    done = archdsl_cli("build", "--backend", "torch", "-o", "m.py", "spec.yaml")
    assert done.status == 0, done.err
    compiled = _python(["-m", "py_compile", "m.py"], tmp_path)
    assert compiled.returncode == 0, compiled.stderr
    spec = case.spec
    expected = {"doc": spec.get("description", spec["name"]), "keys": list(case.keys),
                "shapes": list(spec["inputs"].values()), "outputs": sorted(case.outputs) if case.outputs else None}
    (tmp_path / "expected.json").write_text(json.dumps(expected), encoding="utf-8")
    ran = _python(["-c", CHECK], tmp_path)
    assert ran.returncode == 0 and ran.stdout.strip() == "ok", ran.stderr


@pytest.mark.parametrize("name", REJECTED)
def test_invalid_names_are_located_one_line_errors(name: str, tmp_path: Path,
                                                   archdsl_cli: Callable[..., Finished]) -> None:
    case = REJECTED[name]
    (tmp_path / "spec.yaml").write_text(case.text, encoding="utf-8")
    done = archdsl_cli("build", "--backend", "torch", "-o", "m.py", "spec.yaml")
    assert_clean_error(done, *case.fragments)
    # one record: the location and the message on the same line, nothing unprintable
    assert any(case.fragments[0] in line and case.fragments[1] in line for line in done.err.splitlines()), done.err
    assert all(line.isprintable() for line in done.err.splitlines()), done.err
    assert not (tmp_path / "m.py").exists()


KEYWORD_NAMES = _spec([{"self": CONV}, {"torch": {"op": "relu"}}, {"lambda": {"op": "conv2d", "out": 4, "kernel": 1}},
                       {"name": "class", "op": "relu"}, {"node": {"op": "relu"}}, {"name": "graph", "op": "relu"},
                       {"edge": {"op": "flatten"}}, {"int": {"op": "linear", "out": 5}}],
                      outputs=[{"a:b\\": "int"}, {'a%3Ab"': "class"}])
"""Python keywords and builtins, and DOT's own keywords (`node`, `graph`, `edge`) as node names; output
labels with DOT's port separator `:`, a trailing backslash and a quote."""


def test_keyword_names_keep_their_spelling_in_onnx(tmp_path: Path, archdsl_cli: Callable[..., Finished]) -> None:
    """ONNX node and initializer names are the spec's names (`self`, `lambda.weight`); the checker accepts them."""
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(KEYWORD_NAMES, sort_keys=False), encoding="utf-8")
    done = archdsl_cli("export", "-o", "m.onnx", "spec.yaml")
    assert done.status == 0, done.err
    check = ("import onnx; m = onnx.load('m.onnx'); onnx.checker.check_model(m, full_check=True); "
             "names = {n.name for n in m.graph.node}; inits = {i.name for i in m.graph.initializer}; "
             "assert {'self', 'torch', 'lambda', 'class', 'node', 'graph', 'edge', 'int'} <= names, names; "
             "assert {'self.weight', 'lambda.weight', 'int.bias'} <= inits, inits; "
             "assert [o.name for o in m.graph.output] == ['a:b\\\\', 'a%3Ab\"'], m.graph.output")
    ran = _python(["-c", check], tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert archdsl_cli("run", "spec.yaml").status == 0


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` is not installed")
def test_keyword_names_draw(tmp_path: Path, archdsl_cli: Callable[..., Finished]) -> None:
    """DOT keywords as node ids are quoted, `:` in an output label is not read as a port: the .dot
    file renders without a warning, with no node beyond the spec's, and the .svg shows every name."""
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(KEYWORD_NAMES, sort_keys=False), encoding="utf-8")
    assert archdsl_cli("render", "-o", "m.dot", "spec.yaml").status == 0
    drawn = subprocess.run(["dot", "-Tsvg", "m.dot"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                           check=False)
    assert drawn.returncode == 0 and not drawn.stderr.strip(), drawn.stderr
    for name in ("self", "torch", "lambda", "class", "node", "graph", "edge", "int"):
        assert f">{name}<" in drawn.stdout, name
    plain = subprocess.run(["dot", "-Tplain", "m.dot"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                           check=True).stdout
    drawn_nodes = [line for line in plain.splitlines() if line.startswith("node ")]
    # the input, each spec node, each output marker and the legend: no node made up from a port
    assert len(drawn_nodes) == 1 + len(KEYWORD_NAMES["graph"]) + len(KEYWORD_NAMES["outputs"]) + 1, drawn_nodes
