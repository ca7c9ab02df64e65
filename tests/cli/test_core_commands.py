"""The core CLI commands: validate, analyze (every format), list, schema; exit codes."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from archdsl.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_analyze_json_contract(capsys) -> None:
    code, out, _ = run(capsys, "analyze", "resnet18", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"name", "inputs", "totals", "nodes", "outputs"}
    assert set(data["totals"]) == {
        "params", "buffers", "macs", "flops", "activation_bytes", "peak_activation_bytes", "training_activation_bytes",
    }
    assert data["inputs"] == {"x": ["N", 3, 224, 224]}
    assert data["outputs"] == {"fc": ["N", 1000]}
    conv1 = next(n for n in data["nodes"] if n["name"] == "conv1")
    assert conv1 == {
        "name": "conv1", "op": "conv2d", "scope": "", "inputs": ["x"], "shape": ["N", 64, 112, 112],
        "params": 64 * 3 * 7 * 7, "macs": 64 * 112 * 112 * 3 * 7 * 7,
        "rf": {"size": [7, 7], "stride": [2, 2], "start": [-3, -3]}, "train_only": False,
    }
    assert next(n for n in data["nodes"] if n["name"] == "fc")["rf"] is None


def test_analyze_depth_rolls_up_scopes(capsys) -> None:
    _, out, _ = run(capsys, "analyze", "resnet50", "--format", "json", "--depth", "0")
    rows = {n["name"]: n for n in json.loads(out)["nodes"]}
    assert list(rows) == ["x", "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
                          "avgpool", "flatten", "fc"]
    assert rows["layer4"]["op"] == "block:stage" and rows["layer4"]["shape"] == ["N", 2048, 7, 7]
    assert sum(r["params"] for r in rows.values()) == json.loads(out)["totals"]["params"]


@pytest.mark.parametrize("model", ["googlenet", "inception_v3"])
def test_roll_ups_add_up_to_their_members_at_every_depth(capsys, model: str) -> None:
    """Train-only heads (the auxiliary classifiers) included: a rolled-up row's MACs and params
    are its members' sums, so every depth gives the same sums of each kind of row."""
    sums = set()
    for depth in ("0", "1", "2", None):
        _, out, _ = run(capsys, "analyze", model, "--format", "json", *(("--depth", depth) if depth else ()))
        nodes = json.loads(out)["nodes"]
        sums.add(tuple(sum(n[key] for n in nodes if n["train_only"] is train) for key in ("macs", "params")
                       for train in (False, True)))
    assert len(sums) == 1
    (inference_macs, train_macs, *_), = sums
    assert train_macs > 0 and inference_macs == json.loads(out)["totals"]["macs"]


def test_analyze_csv_and_markdown_and_table(capsys) -> None:
    _, out, _ = run(capsys, "analyze", "resnet18", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert table[1]["name"] == "conv1" and table[1]["rf_size"] == "7x7"
    _, md, _ = run(capsys, "analyze", "resnet18", "--format", "markdown")
    assert md.startswith("## resnet18") and "| conv1 | conv2d |" in md
    _, text, _ = run(capsys, "analyze", "resnet18")
    assert "params: 11,689,512" in text


def test_input_override_and_params(capsys) -> None:
    _, out, _ = run(capsys, "analyze", "resnet18", "--format", "json", "--input", "3x64x64", "-p", "num_classes=10")
    data = json.loads(out)
    assert data["inputs"]["x"] == ["N", 3, 64, 64] and data["outputs"]["fc"] == ["N", 10]


def test_output_file_is_written(capsys, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out, _ = run(capsys, "analyze", "resnet18", "--format", "json", "-o", str(target))
    assert code == 0 and out == "" and json.loads(target.read_text())["name"] == "resnet18"


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["analyze", "resnet5"], "did you mean 'resnet50'"),
        (["analyze", "resnet18", "-p", "num_clases=3"], "did you mean 'num_classes'"),
        (["analyze", "resnet18", "-p", "num_classes=three"], "expects int"),
        (["analyze", "resnet18", "-p", "oops"], "expects KEY=VALUE"),
        (["analyze", "resnet18", "--input", "3xAx4"], "sizes like 3x224x224"),
        (["analyze", "resnet18", "--limit", "graph_nodes=10"], "more than 10 nodes"),
        (["analyze", "resnet18", "--limit", "nodes=10"], "unknown limit"),
        (["build", "resnet18", "--backend", "tensorflow"], "no backend 'tensorflow'"),
    ],
)
def test_mistakes_exit_2_with_a_message(capsys, argv: list[str], fragment: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2 and fragment in err and "Traceback" not in err


def test_spatial_size_below_one_is_located(capsys, write_spec) -> None:
    spec = write_spec("archdsl: 1\nname: small\ninputs: {x: [3, 8, 8]}\ngraph:\n  - big: {op: conv2d, out: 3, kernel: 9}\n")
    code, _, err = run(capsys, "analyze", str(spec))
    assert code == 2 and f"{spec}:5:" in err and "[big]" in err and "at least 1" in err
    code, _, _ = run(capsys, "analyze", str(spec), "--input", "3x9x9")
    assert code == 0


def test_validate_reports_each_spec(capsys, write_spec) -> None:
    bad = write_spec("archdsl: 1\nname: bad\ninputs: {x: [3, 8, 8]}\ngraph:\n  - c: {op: conv2, out: 3}\n")
    code, out, err = run(capsys, "validate", "resnet18", str(bad))
    assert code == 2 and "ok  resnet18" in out
    assert f"{bad}:5:" in err and "unknown op 'conv2'" in err and "did you mean 'conv2d'" in err


def test_list_and_schema(capsys) -> None:
    _, out, _ = run(capsys, "list", "--format", "json")
    entries = {e["name"]: e for e in json.loads(out)}
    assert entries["resnet50"]["params"] == 25_557_032 and entries["resnet50"]["torchvision"] == "resnet50"
    _, schema, _ = run(capsys, "schema")
    assert json.loads(schema)["title"].startswith("archdsl spec")


def test_console_script_end_to_end(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("archdsl: 1\ngraph: [\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "archdsl", "analyze", str(bad)], capture_output=True, text=True)
    assert done.returncode == 2 and "YAML syntax error" in done.stderr and "Traceback" not in done.stderr


def test_build_refuses_another_backends_option(capsys) -> None:
    code, _, err = run(capsys, "build", "resnet18", "--backend", "torch", "--depth", "1")
    assert code == 2 and "--depth is an option of the graphviz backend" in err


def test_build_refuses_a_shared_option_the_backend_does_not_read(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "build", "lenet5", "--backend", "graphviz", "--seed", "3", "-o", str(tmp_path / "m.dot"))
    assert code == 2 and "--seed is an option of the onnx and torch backends; it does nothing with --backend graphviz" in err
    assert not (tmp_path / "m.dot").exists()


def test_the_shared_options_are_defined_once_and_serve_every_backend(capsys, tmp_path: Path) -> None:
    from archdsl.cli import parser

    build = parser()._subparsers._group_actions[0].choices["build"]  # type: ignore[union-attr]
    flags = [flag for action in build._actions for flag in action.option_strings]
    assert flags.count("--seed") == 1 and flags.count("--device") == 1
    code, out, _ = run(capsys, "build", "lenet5", "--backend", "torch", "--seed", "3", "--device", "cpu",
                       "-o", str(tmp_path / "m.pt"))
    assert code == 0 and "seed 3" in out and "(cpu, float32)" in out
    code, out, _ = run(capsys, "build", "lenet5", "--backend", "onnx", "--seed", "3", "-o", str(tmp_path / "m.onnx"))
    assert code == 0 and (tmp_path / "m.onnx").exists()


def test_every_shared_option_the_registry_names_is_defined_by_the_cli() -> None:
    from archdsl.backends import SHARED_OPTIONS
    from archdsl.cli.common import SHARED

    assert set(SHARED) == set(SHARED_OPTIONS)


def test_validate_checks_block_libraries_on_their_own(capsys) -> None:
    from archdsl.spec.library import library_root

    libraries = sorted(str(p) for p in (library_root() / "blocks").glob("*.yaml"))
    code, out, err = run(capsys, "validate", *libraries)
    assert code == 0, err
    assert out.count(": block library, ") == len(libraries) > 3
