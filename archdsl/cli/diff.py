"""`archdsl diff A [B]`: compare two specs, or one spec under two parameter sets, without building.

`-p`, `--input` and `--limit` apply to both sides; `--vs-param` and `--vs-input`
change side B only, so `archdsl diff resnet50 --vs-param layers=[3,4,23,3]`
compares ResNet-50 with the same spec at ResNet-101's depth.
"""

from __future__ import annotations

import argparse

from archdsl.cli.common import add_spec_arguments, depth_type, emit, parse_inputs, parse_limits, parse_params
from archdsl.diff import diff_models
from archdsl.diff.formats import FORMATS
from archdsl.errors import SpecError
from archdsl.model import Model, load


def add_diff_command(sub: argparse._SubParsersAction) -> None:
    """Register `archdsl diff`."""

    p = sub.add_parser("diff", help="compare two specs (or one under two parameter sets) without building them")
    add_spec_arguments(p)
    p.add_argument("other", nargs="?", metavar="B", help="the spec to compare with (default: SPEC again)")
    p.add_argument("--vs-param", action="append", default=[], metavar="KEY=VALUE",
                   help="a param of side B only (over -p), e.g. --vs-param width_per_group=128")
    p.add_argument("--vs-input", action="append", default=[], metavar="[NAME=]CxHxW",
                   help="an input shape of side B only (over --input)")
    p.add_argument("--depth", type=depth_type, default=0, help="roll block scopes deeper than N into one row (default 0)")
    p.add_argument("--format", choices=sorted(FORMATS), default="table")
    p.add_argument("-o", "--output", help="write the report to a file (atomically)")
    p.set_defaults(run=run_diff)


def run_diff(args: argparse.Namespace) -> int:
    """Load both sides, compare, print or write the report."""
    if args.other is None and not args.vs_param and not args.vs_input:
        raise SpecError("nothing to compare: name a second spec, or change side B with --vs-param/--vs-input",
                        hint=f"e.g. archdsl diff {args.spec} resnext50_32x4d, or --vs-param layers=[3,4,23,3]")
    a, b = _load(args, args.spec, [], []), _load(args, args.other or args.spec, args.vs_param, args.vs_input)
    emit(FORMATS[args.format](diff_models(a, b, args.depth)), args.output)
    return 0


def _load(args: argparse.Namespace, spec: str, vs_params: list[str], vs_inputs: list[str]) -> Model:
    limits = parse_limits(args.limit)
    params = {**parse_params(args.param, limits), **parse_params(vs_params, limits)}
    shapes = {**parse_inputs(args.input), **parse_inputs(vs_inputs)}
    return load(spec, input_shapes=shapes, limits=limits, allow_plugins=args.allow_plugins,
                allow_outside=args.allow_outside, **params)
