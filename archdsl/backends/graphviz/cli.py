"""`archdsl render` and the graphviz options of `archdsl build`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

from archdsl.backends import CommandKit
from archdsl.errors import BackendError
from archdsl.lowering import Lowering


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


def register_commands(sub: Any, kit: CommandKit) -> None:
    """Add `archdsl render`."""
    p = sub.add_parser("render", help="draw a spec as a diagram (.svg, .png, .pdf or .dot)",
                       description="Draw a spec: one cluster per block instance, shapes on edges.")
    kit.add_spec_arguments(p)
    p.add_argument("-o", "--output", metavar="OUT",
                   help="OUT.svg, OUT.png, OUT.pdf or OUT.dot (written atomically); "
                        "without it the DOT source is printed")
    add_diagram_arguments(p)
    p.set_defaults(run=partial(render_command, load=kit.load))


def render_command(args: argparse.Namespace, load: Callable[[argparse.Namespace], Lowering]) -> int:
    """`archdsl render SPEC [-o OUT]`: the DOT source on stdout, or the diagram written to OUT."""
    from archdsl.backends.graphviz.diagram import render, to_dot
    from archdsl.backends.graphviz.output import output_format

    if args.output is None:
        sys.stdout.write(to_dot(load(args), **diagram_options(args)))
        return 0
    output_format(args.output)
    fmt = render(load(args), args.output, **diagram_options(args))
    print(f"wrote {args.output} ({fmt})")
    return 0


def build(lowering: Lowering, args: argparse.Namespace) -> str:
    """`archdsl build --backend graphviz -o OUT`: the same as `archdsl render`."""
    from archdsl.backends.graphviz.diagram import render

    if not args.output:
        raise BackendError("the graphviz backend needs -o OUT.svg, OUT.png, OUT.pdf or OUT.dot")
    fmt = render(lowering, args.output, **diagram_options(args))
    return f"wrote {args.output} ({fmt})"
