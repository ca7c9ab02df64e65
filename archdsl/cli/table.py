"""The core subcommands, in `archdsl --help` order, each named with the function that registers it.

The functions are named by module path, not imported, so that `archdsl analyze` builds the parser
of `analyze` alone: it neither imports the modules of `diff` or `lint` nor reads the backends'
entry points. `build` and `bench` take their options from the installed backends, and the
backends add subcommands of their own, so any other command builds the full parser.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from importlib import import_module

Registrar = Callable[[argparse._SubParsersAction], None]

CORE_COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("archdsl.cli.commands", "add_validate_command"),
    "analyze": ("archdsl.cli.commands", "add_analyze_command"),
    "list": ("archdsl.cli.commands", "add_list_command"),
    "ops": ("archdsl.cli.ops", "add_ops_command"),
    "plugins": ("archdsl.cli.plugins", "add_plugins_command"),
    "lint": ("archdsl.cli.lint", "add_lint_command"),
    "diff": ("archdsl.cli.diff", "add_diff_command"),
    "schema": ("archdsl.cli.commands", "add_schema_command"),
}
"""Commands whose parsers need no backend: name -> (module, registering function)."""

def registrar(module: str, function: str) -> Registrar:
    """The registering function `function` of `module`, imported now."""
    found: Registrar = getattr(import_module(module), function)
    return found
