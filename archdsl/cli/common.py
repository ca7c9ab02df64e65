"""Arguments shared by commands that take a spec, turning them into a Model, and the options
the CLI owns for every backend (`--seed`, `--device`), lent to backends through a CommandKit."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from archdsl.backends import Arguments, CommandKit
from archdsl.errors import ArchdslError, SpecError, did_you_mean
from archdsl.fileio import write_atomic
from archdsl.limits import DEFAULT_LIMITS, Limits
from archdsl.model import Model, load
from archdsl.spec.yamlpos import load_yaml


def add_spec_arguments(parser: argparse.ArgumentParser, many: bool = False) -> None:
    """SPEC plus `-p key=value`, `--input`, `--limit`, `--allow-plugins`, `--allow-outside`."""
    if many:
        parser.add_argument("specs", nargs="+", metavar="SPEC", help="spec files or library names")
    else:
        parser.add_argument("spec", metavar="SPEC", help="a spec file or a library name (e.g. resnet50)")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                        help="override a spec param; VALUE is YAML (e.g. -p layers=[3,4,23,3])")
    parser.add_argument("--input", action="append", default=[], metavar="[NAME=]CxHxW",
                        help="override an input's shape (without batch), e.g. --input 3x299x299")
    parser.add_argument("--limit", action="append", default=[], metavar="NAME=N",
                        help="raise or lower a safety limit (see docs/errors-and-limits.md)")
    parser.add_argument("--allow-plugins", action="store_true",
                        help="import the plugin modules the spec names (`plugins:`); importing runs their code")
    parser.add_argument("--allow-outside", action="append", default=[], metavar="DIR",
                        help="let the spec's `extends:`/`use:`/`plugins:` read files in DIR (and below) too; by default "
                             "only the spec's own folder (and below) and the shipped library (repeatable)")


SHARED: dict[str, dict[str, Any]] = {
    "seed": {"type": int, "default": None, "metavar": "N",
             "help": "seed the initial weights: the same seed gives the same weights "
                     "(default: random in torch, 0 in ONNX exports)"},
    "device": {"default": "auto", "metavar": "DEVICE",
               "help": "cpu, cuda, cuda:N, or auto (default: CUDA when available, else CPU)"},
}
"""The options every backend that reads them shares (archdsl.backends.SHARED_OPTIONS), defined once."""


def add_shared_option(parser: Arguments, name: str) -> None:
    """Add `--NAME`, one of the options the CLI owns for every backend."""
    parser.add_argument(f"--{name}", **SHARED[name])


def command_kit() -> CommandKit:
    """What a backend's own subcommands borrow from the CLI."""
    return CommandKit(add_spec_arguments=add_spec_arguments, add_shared_option=add_shared_option,
                      load=lambda args: load_model(args).lowering)


def parse_params(items: list[str], limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """`-p KEY=VALUE` overrides; VALUE is YAML, read as safely and within the same limits as a spec."""
    params: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise SpecError(f"-p expects KEY=VALUE, got '{item}'", hint="e.g. -p num_classes=10")
        try:
            params[key.strip()] = load_yaml(text, f"-p {key.strip()}", limits).data if text.strip() else ""
        except ArchdslError as error:
            raise SpecError(f"-p {key.strip()}: {error.message}", hint=error.hint or "VALUE is YAML, e.g. 3, 0.5, true or [3, 4, 6, 3]") from None
    return params


def parse_inputs(items: list[str]) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}
    for item in items:
        name, sep, dims = item.rpartition("=")
        try:
            shape = tuple(int(d) for d in dims.lower().split("x"))
        except ValueError:
            raise SpecError(f"--input expects sizes like 3x224x224, got '{dims}'") from None
        if any(d < 1 or d >= 1 << 63 for d in shape):
            raise SpecError(f"--input sizes must be positive 64-bit integers, got '{dims}'")
        shapes[name if sep else ""] = shape
    return shapes


def parse_limits(items: list[str]) -> Limits:
    overrides: dict[str, int] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not re.fullmatch(r"[0-9]{1,18}", value.strip()):
            raise SpecError(f"--limit expects NAME=N with N a whole number, got '{item}'", hint="e.g. --limit repeat=20000")
        overrides[key.strip()] = int(value)
    try:
        return DEFAULT_LIMITS.with_overrides(overrides)
    except KeyError as exc:
        known = list(DEFAULT_LIMITS.__dataclass_fields__)
        raise SpecError(f"unknown limit '{exc.args[0]}'",
                        hint=did_you_mean(exc.args[0], known) or f"limits: {', '.join(known)}") from None


def load_model(args: argparse.Namespace, spec: str | None = None) -> Model:
    """Load the spec named on the command line with its overrides."""
    limits = parse_limits(args.limit)
    shapes = parse_inputs(args.input)
    return load(spec or args.spec, input_shapes=shapes, limits=limits, allow_plugins=getattr(args, "allow_plugins", False),
                allow_outside=getattr(args, "allow_outside", []), **parse_params(args.param, limits))


def emit(text: str, output: str | None) -> None:
    """Print `text`, or write it atomically to `output`."""
    if output:
        write_atomic(output, text)
    else:
        sys.stdout.write(text)


def fail(error: ArchdslError) -> int:
    print(error.format(), file=sys.stderr)
    return 2


def depth_type(text: str) -> int:
    """argparse type of --depth: a whole number, 0 or more."""
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise argparse.ArgumentTypeError(f"expected a whole number 0 or more, got '{text}'")
    return int(text)
