"""Static analysis (parse + expand + every pass) vs torchinfo.summary and fvcore.

Run: `python -m benchmarks.analysis [--quick]`. Each comparison is timed in the
same process, interleaved, and reported as the median ratio.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import archdsl
from benchmarks.common import Result, cold_caches, format_table, machine, speedup

MODELS = ("resnet50", "resnet152", "densenet201", "googlenet", "vgg16")
TORCHINFO_TARGET = 100
"""How many times faster than torchinfo.summary a cold in-process analysis should be."""
TORCHINFO_TARGETS = {"resnet152": 40}
"""Per-model targets where an issue sets one (issue 18: a cold resnet152 analysis ≥ 40×)."""
COLD_START_TARGET = 0.5
"""Issue 18: `archdsl analyze resnet152` as a command within 2× the time of `python -c "import yaml, pydantic"`."""


def analyse(name: str) -> None:
    """A first run's work, when `cold_caches` has run before it (untimed): every pass that
    `archdsl analyze` reports (receptive fields and memory are computed on first use)."""
    analysis = archdsl.load(name).analyze()
    _ = analysis.totals, analysis.fields


def reference(name: str):  # noqa: ANN201 - a torchvision model
    import torchvision

    from archdsl.limits import DEFAULT_LIMITS
    from archdsl.spec.library import library_root
    from archdsl.spec.loader import load_spec

    tv = load_spec(str(library_root() / f"{name}.yaml"), DEFAULT_LIMITS).torchvision
    kwargs = dict(tv.kwargs) if tv else {}
    return torchvision.models.get_model(tv.model if tv else name, **kwargs).eval()


def spec_texts(path: Path) -> list[str]:
    """The text of a spec file and of every file it extends or uses (read here with plain
    PyYAML, independently of archdsl's loader)."""
    import yaml

    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    named = ([data["extends"]] if "extends" in data else []) + list(data.get("use", []))
    return [text, *(more for name in named for more in spec_texts(path.parent / name))]


def pyyaml_floor(name: str) -> Callable[[], None]:
    """PyYAML's fastest loader (libyaml's parser, PyYAML's constructor) on the spec's files and
    nothing else: no positions, no validation, no expansion, no analysis. Any Python analyzer
    that reads YAML with PyYAML pays at least this, so it shows how much of the 100× budget
    the mandated parser alone uses."""
    import yaml

    from archdsl.spec.library import library_root

    loader = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader
    texts = spec_texts(library_root() / f"{name}.yaml")

    def load() -> None:
        for text in texts:
            yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader

    return load


TORCHINFO_COMMAND = """
import torch, torchinfo, torchvision
torchinfo.summary(torchvision.models.{model}().eval(), input_size=(1, 3, 224, 224), device="cpu")
"""


def command_line(quick: bool = False) -> Result:
    """What a shell user waits for, imports included: `archdsl analyze resnet152` as a fresh
    process vs a fresh `python -c` printing torchinfo's summary of torchvision's model.
    Bytecode caches may be written (as a regular install has them), so after the warm-up
    neither side compiles sources."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    archdsl_cli = [sys.executable, "-m", "archdsl", "analyze", "resnet152"]
    torchinfo_cli = [sys.executable, "-c", TORCHINFO_COMMAND.format(model="resnet152")]

    def call(argv: list[str]) -> None:
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)

    return speedup("command line: archdsl analyze resnet152 vs python -c torchinfo.summary (fresh processes)",
                   lambda: call(archdsl_cli), lambda: call(torchinfo_cli), 1, 3 if quick else 5)


def cold_start(quick: bool = False) -> Result:
    """Start-up as a user meets it: `archdsl analyze resnet152` as a fresh process (no cache of
    archdsl's own; bytecode caches as an install has them) vs a fresh `python -c "import yaml,
    pydantic"`, the two libraries any spec command needs. Ratio ≥ 0.5× means ≤ 2× the time."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    archdsl_cli = [sys.executable, "-m", "archdsl", "analyze", "resnet152"]
    floor = [sys.executable, "-c", "import yaml, pydantic"]

    def call(argv: list[str]) -> None:
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)

    return speedup("archdsl analyze resnet152 (command) vs python -c 'import yaml, pydantic' (fresh processes; target ≤ 2× its time)",
                   lambda: call(archdsl_cli), lambda: call(floor), COLD_START_TARGET, 7 if quick else 15)


def run(quick: bool = False) -> list[Result]:
    """archdsl analyze vs torchinfo.summary (CPU forward) and fvcore FlopCountAnalysis."""
    import torch
    import torchinfo
    from fvcore.nn import FlopCountAnalysis

    from archdsl.spec.library import library_names

    results: list[Result] = []
    models = [m for m in (("resnet152",) if quick else MODELS) if m in library_names()]
    repeats = 3 if quick else 7
    for name in models:
        net = reference(name)
        size = tuple(archdsl.load(name).graph.inputs["x"].shape[1:])
        x = torch.randn(1, *size)

        def torchinfo_summary(net: torch.nn.Module = net, size: tuple[int, ...] = size) -> None:
            torchinfo.summary(net, input_size=(1, *size), verbose=0, device="cpu")

        def fvcore_count(net: torch.nn.Module = net, x: torch.Tensor = x) -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                counter = FlopCountAnalysis(net, x)
                counter.unsupported_ops_warnings(False)
                counter.uncalled_modules_warnings(False)
                counter.total()

        results.append(speedup(f"analyze {name} vs torchinfo.summary", lambda name=name: analyse(name), torchinfo_summary,
                               TORCHINFO_TARGETS.get(name, TORCHINFO_TARGET), repeats, setup=cold_caches))
        if name == "resnet152":
            results.append(speedup(f"floor: PyYAML's yaml.load (libyaml) of {name}'s spec files alone vs torchinfo.summary",
                                   pyyaml_floor(name), torchinfo_summary, 100, repeats))
        if not quick:
            results.append(speedup(f"analyze {name} vs fvcore FlopCountAnalysis", lambda name=name: analyse(name), fvcore_count, 10,
                                   repeats, setup=cold_caches))
    results.append(command_line(quick))
    results.append(cold_start(quick))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one model, few repeats (CI smoke test)")
    args = parser.parse_args()
    print(machine())
    print(format_table(run(args.quick)))


if __name__ == "__main__":
    main()
