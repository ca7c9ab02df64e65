"""An installed plugin (tests/plugins/archdsl_coordconv) used from a spec: analysed, lowered
to torch and ONNX, drawn, in the JSON Schema; checked against modules written here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch
import torchvision
from torch import nn
from torch.nn import functional as F
from torch.utils.flop_counter import FlopCounterMode

import archdsl
from archdsl.cli import main
from archdsl.errors import BackendError
from archdsl.jsonschema import json_schema

pytestmark = pytest.mark.usefixtures("plugin_site")

SPEC = """\
archdsl: 1
name: coordnet
inputs: {x: [3, 20, 24]}
graph:
  - stem: {op: coordconv, out: 8, kernel: 3, stride: 2, padding: 1}
  - relu: {op: relu}
  - se: {op: squeeze_excite, squeeze: 2}
  - head: {op: coordconv, out: 4, kernel: 3, padding: 2, dilation: 2, bias: false, with_r: true}
outputs: [head]
"""


def add_coords(x: torch.Tensor, with_r: bool) -> torch.Tensor:
    """The CoordConv paper's AddCoords, written out: y_i = 2i/(H-1) - 1, x_j = 2j/(W-1) - 1."""
    n, _, h, w = x.shape
    ys = (torch.arange(h, dtype=x.dtype) * 2 / (h - 1) - 1)[:, None].expand(h, w)
    xs = (torch.arange(w, dtype=x.dtype) * 2 / (w - 1) - 1)[None, :].expand(h, w)
    planes = [ys, xs, (ys**2 + xs**2).sqrt()] if with_r else [ys, xs]
    return torch.cat([x, torch.stack(planes)[None].expand(n, -1, h, w)], dim=1)


class Reference(nn.Module):
    """The spec, by hand: convolutions over coordinate-augmented inputs, torchvision's SE block."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3 + 2, 8, 3, stride=2, padding=1)
        self.se = torchvision.ops.SqueezeExcitation(8, 2)
        self.head = nn.Conv2d(8 + 3, 4, 3, padding=2, dilation=2, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.se(F.relu(self.stem(add_coords(x, with_r=False))))
        return self.head(add_coords(h, with_r=True))


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("specs") / "coordnet.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return path


def test_analysis_matches_the_hand_written_module(spec_path: Path) -> None:
    model = archdsl.load(spec_path)
    reference = Reference()
    assert model.analyze().totals.params == sum(p.numel() for p in reference.parameters())
    with FlopCounterMode(display=False) as counter:
        reference(torch.zeros(1, 3, 20, 24))
    assert 2 * model.analyze().totals.macs == counter.get_total_flops()
    assert model.graph.types["stem"][0].shape == ("N", 8, 10, 12)
    stem = model.analyze().fields.fields["stem"]
    assert [(a.size, a.stride, a.start) for a in stem] == [(3, 2, -1), (3, 2, -1)]
    assert model.analyze().fields.fields["head"] is None, "the SE gate sees the whole map"


def test_torch_lowering_equals_the_hand_written_module(spec_path: Path) -> None:
    module = archdsl.load(spec_path).to_torch(seed=0)
    reference = Reference()
    reference.load_state_dict(module.state_dict(), strict=True)
    x = torch.randn(2, 3, 20, 24)
    torch.testing.assert_close(module(x), reference(x), rtol=0, atol=1e-6)


def test_onnx_lowering_equals_torch(spec_path: Path) -> None:
    model = archdsl.load(spec_path)
    module = model.to_torch(seed=1)
    proto = model.to_onnx(weights=module.state_dict())
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    x = torch.randn(3, 3, 20, 24)
    (ours,) = session.run(None, {"x": x.numpy()})
    np.testing.assert_allclose(ours, module(x).detach().numpy(), rtol=0, atol=1e-4)


def test_diagram_uses_the_plugins_label(tmp_path: Path) -> None:
    path = tmp_path / "coord.yaml"
    path.write_text("archdsl: 1\ninputs: {x: [3, 8, 8]}\ngraph:\n  - c: {op: coordconv, out: 16, kernel: 3, stride: 2}\n")
    assert "3×3 s2 +yx → 16" in archdsl.load(path).lower("graphviz").source


def test_a_backend_without_a_rule_names_the_op_node_and_plugin(spec_path: Path) -> None:
    with pytest.raises(BackendError) as caught:
        archdsl.load(spec_path).to_graphviz()
    error = caught.value
    assert error.node == "se" and error.span is not None and error.span.line == 7
    assert "cannot draw op 'squeeze_excite'" in error.message
    assert "plugin archdsl-coordconv" in error.message
    assert "archdsl_coordconv.graphviz_labels" in error.message and "do not include it" in error.message
    assert "archdsl.plugin.lowering('graphviz'" in (error.hint or "")


def test_the_json_schema_includes_plugin_ops() -> None:
    schema = json_schema()
    assert schema["$defs"]["op_coordconv"]["properties"]["with_r"]["anyOf"][0]["type"] == "boolean"
    assert "op_squeeze_excite" in schema["$defs"]
    assert "broken_op" not in str(schema["$defs"]["graph"]), "a broken plugin is left out, not fatal"


def test_the_cli_builds_a_plugin_op(spec_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "coordnet.onnx"
    assert main(["build", str(spec_path), "--backend", "onnx", "-o", str(out)]) == 0
    assert out.stat().st_size > 0
    assert main(["analyze", str(spec_path), "--format", "json"]) == 0
    assert '"op": "coordconv"' in capsys.readouterr().out


def test_the_plugins_command_lists_every_plugin(capsys: pytest.CaptureFixture) -> None:
    assert main(["plugins", "--format", "json"]) == 0
    records = {record["name"]: record for record in json.loads(capsys.readouterr().out)}
    assert list(records) == ["archdsl-broken", "archdsl-coordconv", "archdsl-missing"]
    assert records["archdsl-coordconv"]["ops"] == ["coordconv", "squeeze_excite"]
    assert records["archdsl-coordconv"]["error"] is None
    assert records["archdsl-broken"]["error"] == "RuntimeError: this plugin is broken on purpose"
    assert records["archdsl-missing"]["error"].startswith("ModuleNotFoundError: No module named 'archdsl_not_installed'")
    assert main(["plugins"]) == 0
    assert "archdsl-broken  [failed]" in capsys.readouterr().out


def test_the_schema_command_notes_plugins_left_out(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    assert "note: plugin archdsl-broken failed to load" in capsys.readouterr().err
    assert '"op_coordconv"' in out.read_text(encoding="utf-8")


def test_the_standalone_source_imports_the_plugins_modules(spec_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "coordnet.py"
    assert main(["build", str(spec_path), "--backend", "torch", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "from archdsl_coordconv.torch_lowering import CoordConv2d\n" in text
    namespace: dict = {}
    exec(compile(text, str(out), "exec"), namespace)  # noqa: S102 - the file this test just generated
    standalone = namespace["Coordnet"]()
    built = archdsl.load(spec_path).to_torch(seed=0)
    standalone.load_state_dict(built.state_dict(), strict=True)
    x = torch.randn(1, 3, 20, 24)
    torch.testing.assert_close(standalone(x), built(x))
