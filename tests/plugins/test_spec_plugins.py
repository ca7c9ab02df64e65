"""Plugin modules a spec names (`plugins: [...]`): imported only when allowed, found next
to the spec first, and every mistake a located error."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import torch

import archdsl
from archdsl.cli import main
from archdsl.errors import ArchdslError, BackendError

OPS_MODULE = '''
from archdsl.ops import Op, OpAttrs, register
from archdsl.ops.base import Float
from archdsl.plugin import lowering


class ScaledTanhAttrs(OpAttrs):
    scale: Float = 1.0


@register
class ScaledTanh(Op):
    """scale × tanh(x)."""

    name = "{op}"
    family = "activation"
    Attrs = ScaledTanhAttrs

    def infer(self, a, inputs):
        return [inputs[0]]


lowering("torch", "{op}_torch")
'''

TORCH_MODULE = '''
import torch
from archdsl.backends.torch.table import lowers


@lowers("{op}")
def scaled_tanh(site, x):
    return site.call(torch.mul, site.call(torch.tanh, x[0], suffix="tanh"), site.attrs.scale)
'''


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def spec_using(directory: Path, plugin: str, op: str = "scaled_tanh") -> Path:
    return write(directory, "model.yaml", f"""
        archdsl: 1
        plugins: [{plugin}]
        inputs: {{x: [4]}}
        graph:
          - act: {{op: {op}, scale: 2.5}}
        """)


def test_a_spec_plugin_needs_permission(spec_dir: Path, capsys: pytest.CaptureFixture) -> None:
    write(spec_dir, "my_ops.py", OPS_MODULE.format(op="scaled_tanh"))
    spec = spec_using(spec_dir, "my_ops")
    with pytest.raises(ArchdslError) as caught:
        archdsl.load(spec)
    assert caught.value.span is not None and (caught.value.span.line, caught.value.span.col) == (2, 11)
    assert "plugin module 'my_ops'" in caught.value.message and "--allow-plugins" in (caught.value.hint or "")
    assert "scaled_tanh" not in archdsl.ops.OPS, "nothing was imported"
    out = spec_dir / "model.pt"
    assert main(["build", str(spec), "--backend", "torch", "-o", str(out)]) == 2
    assert "--allow-plugins" in capsys.readouterr().err and not out.exists()


def test_an_allowed_spec_plugin_is_found_next_to_the_spec(spec_dir: Path) -> None:
    write(spec_dir, "my_ops.py", OPS_MODULE.format(op="scaled_tanh"))
    write(spec_dir, "scaled_tanh_torch.py", TORCH_MODULE.format(op="scaled_tanh"))
    module = archdsl.load(spec_using(spec_dir, "my_ops"), allow_plugins=True).to_torch()
    x = torch.linspace(-3, 3, 8).reshape(2, 4)
    torch.testing.assert_close(module(x), 2.5 * torch.tanh(x))
    assert main(["validate", "--allow-plugins", str(spec_dir / "model.yaml")]) == 0


def test_a_used_block_file_names_plugins_relative_to_itself(spec_dir: Path) -> None:
    write(spec_dir / "lib", "lib_ops.py", OPS_MODULE.format(op="lib_tanh"))
    write(spec_dir / "lib", "blocks.yaml", """
        archdsl: 1
        plugins: [lib_ops]
        blocks:
          act: {graph: [{op: lib_tanh}]}
        """)
    spec = write(spec_dir, "model.yaml", """
        archdsl: 1
        use: [lib/blocks.yaml]
        inputs: {x: [4]}
        graph:
          - a: {block: act}
        """)
    model = archdsl.load(spec, allow_plugins=True)
    assert model.graph.nodes["a.0"].op == "lib_tanh"


@pytest.mark.parametrize(
    "files, plugin, message, hint",
    [
        ({}, "nowhere_ops", "plugin module 'nowhere_ops' not found (looked in {dir} and on sys.path)", None),
        ({"bad_ops.py": "x = 1 / 0\n"}, "bad_ops",
         "plugin module 'bad_ops' failed to import: ZeroDivisionError: division by zero",
         "the error is in the plugin's own code; fix it there"),
        ({"my_ops.py": "\n"}, "my_ops.py", "plugin module 'my_ops.py' not found (looked in {dir} and on sys.path)",
         "name the module, not its file: 'my_ops'"),
        ({}, "ops/my_ops", "plugin 'ops/my_ops' is not a Python module name", "name the module, e.g. 'ops.my_ops'"),
        ({"json.py": "\n"}, "json", "plugin module 'json' ({dir}/json.py) clashes with the module 'json' already "
         "loaded from {stdlib}", "rename the plugin module"),
    ],
)
def test_spec_plugin_mistakes_are_located(spec_dir: Path, files: dict[str, str], plugin: str, message: str,
                                          hint: str | None) -> None:
    import json

    for name, text in files.items():
        write(spec_dir, name, text)
    with pytest.raises(ArchdslError) as caught:
        archdsl.load(spec_using(spec_dir, plugin), allow_plugins=True)
    assert caught.value.message == message.format(dir=spec_dir.resolve(), stdlib=json.__file__)
    assert caught.value.hint == hint
    assert caught.value.span is not None and caught.value.span.line == 2


def test_a_lowering_module_that_fails_is_named_by_the_backend(spec_dir: Path) -> None:
    write(spec_dir, "my_ops.py", OPS_MODULE.format(op="scaled_tanh"))
    write(spec_dir, "scaled_tanh_torch.py", "raise ImportError('needs a newer torch')\n")
    model = archdsl.load(spec_using(spec_dir, "my_ops"), allow_plugins=True)
    with pytest.raises(BackendError) as caught:
        model.to_torch()
    assert caught.value.message == (
        "the torch backend cannot lower op 'scaled_tanh': it comes from plugin my_ops, whose torch lowerings "
        "(scaled_tanh_torch) failed to load: ImportError: needs a newer torch")
    assert caught.value.node == "act" and caught.value.span is not None and caught.value.span.line == 5
