"""`archdsl render` and the graphviz options of `archdsl build`."""

from __future__ import annotations

import argparse
from typing import Any

from archdsl.cli.common import add_spec_arguments, emit, load_model
from archdsl.errors import BackendError
from archdsl.model import Model


def add_diagram_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """--depth, --expand, --rankdir, --show, --no-merge, --no-legend."""
    parser.add_argument("--depth", type=_depth, default=None, metavar="N",
                        help="draw block scopes down to depth N as clusters and collapse deeper ones "
                             "(0: every block collapsed; default: everything expanded)")
    parser.add_argument("--expand", action="extend", nargs="+", default=[], metavar="SCOPE",
                        help="draw these scopes fully expanded whatever --depth says (e.g. layer2.0)")
    parser.add_argument("--rankdir", type=str.upper, choices=("TB", "LR"), default="TB",
                        help="layout direction: top to bottom (default) or left to right")
    parser.add_argument("--show", action="append", default=[], metavar="rf,macs",
                        help="extra per-node lines: receptive field (rf), multiply-accumulates (macs)")
    parser.add_argument("--no-merge", action="store_true",
                        help="draw each collapsed block instance on its own (no '×N' boxes)")
    parser.add_argument("--no-legend", action="store_true", help="leave out the colour legend")


def _depth(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got '{text}'")
    return int(text)


def diagram_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword options of `to_digraph` given on the command line."""
    return {"depth": args.depth, "expand": tuple(args.expand), "rankdir": args.rankdir,
            "show": tuple(args.show), "merge": not args.no_merge, "legend": not args.no_legend}


def register_commands(sub: Any) -> None:
    """Add `archdsl render`."""
    p = sub.add_parser("render", help="draw a spec as a diagram (.svg, .png, .pdf or .dot)",
                       description="Draw a spec: one cluster per block instance, shapes on edges.")
    add_spec_arguments(p)
    p.add_argument("-o", "--output", metavar="OUT",
                   help="OUT.svg, OUT.png, OUT.pdf or OUT.dot (written atomically); "
                        "without it the DOT source is printed")
    add_diagram_arguments(p)
    p.set_defaults(run=render_command)


def render_command(args: argparse.Namespace) -> int:
    from backends.graphviz.diagram import render, to_dot
    from backends.graphviz.output import output_format

    if args.output is None:
        emit(to_dot(load_model(args), **diagram_options(args)), None)
        return 0
    output_format(args.output)
    model = load_model(args)
    fmt = render(model, args.output, **diagram_options(args))
    print(f"wrote {args.output} ({fmt})")
    return 0


def build(model: Model, args: argparse.Namespace) -> str:
    """`archdsl build --backend graphviz -o OUT`: the same as `archdsl render`."""
    from backends.graphviz.diagram import render

    if not args.output:
        raise BackendError("the graphviz backend needs -o OUT.svg, OUT.png, OUT.pdf or OUT.dot")
    fmt = render(model, args.output, **diagram_options(args))
    return f"wrote {args.output} ({fmt})"
