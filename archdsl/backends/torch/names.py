"""Spec names → the text generated Python may use for them.

Module paths, state_dict keys and `.pt` files keep the spec's names exactly. Only the
text of generated code changes: a node's value in `forward` is a sanitised identifier
(`value_name`), a forward argument avoids the names the code needs (`argument_name`), and
a submodule that cannot be written `self.<name>` is written `getattr(self, "<name>")`
(`attribute_text`).
"""

from __future__ import annotations

import builtins
import keyword
import re

from archdsl.backends.torch.runtime import train_or_eval

RESERVED = frozenset({
    "self",  # forward's first argument
    "torch", "inf", "nan", "NoneType", train_or_eval.__name__,  # globals generated code reads
    "nn", "F", "math", "operator",  # conventional aliases, kept free for readers and plugins
    *keyword.kwlist, *keyword.softkwlist, *dir(builtins),
})
"""Names a value or argument of the generated `forward` must not take."""

_NOT_IDENTIFIER = re.compile(r"[^0-9A-Za-z_]+")


def value_name(spec_name: str) -> str:
    """A plain ASCII identifier for a node's value: `layer1.0.conv1` → `layer1_0_conv1`, `self` → `self_`.

    Not necessarily unique: torch.fx numbers repeats (`a_b`, `a_b_1`).
    """
    text = _NOT_IDENTIFIER.sub("_", spec_name) or "_"
    if text[0].isdigit():
        text = f"_{text}"
    if text.startswith("__"):
        # a `__name` inside the generated class body would be name-mangled
        text = f"n{text}"
    return f"{text}_" if text in RESERVED else text


def argument_name(input_name: str) -> str:
    """The forward() argument for a spec input: its own name unless the generated code needs it."""
    return input_name if plain_attribute(input_name) and input_name not in RESERVED else value_name(input_name)


def plain_attribute(name: str) -> bool:
    """Whether `obj.<name>` in generated source reads the attribute called `name`.

    Keywords do not parse, non-ASCII identifiers are NFKC-normalised by the parser, and
    `__name` is mangled inside a class body.
    """
    return name.isidentifier() and name.isascii() and not keyword.iskeyword(name) and not name.startswith("__")


def attribute_text(base: str, path: str) -> str:
    """Source text reading the dotted module path `path` from `base`, always valid Python.

    Written as torch.fx writes it (`self.layer1`, `getattr(self.layer1, "0")`) wherever that
    parses and reads the right attribute, so only the names fx gets wrong are spelled differently.
    """
    text = base
    for part in path.split("."):
        text = f"{text}.{part}" if plain_attribute(part) else f"getattr({text}, {_string(part)})"
    return text


def _string(text: str) -> str:
    """A string literal for `text`: in double quotes as fx writes it, or its repr where that would not parse."""
    return f'"{text}"' if text.isprintable() and '"' not in text and "\\" not in text else repr(text)


def fx_attribute_text(base: str, path: str) -> str:
    """What torch.fx writes for the same path (`torch.fx.graph._format_target`), to be replaced where it differs."""
    text = base
    for part in path.split("."):
        text = f"{text}.{part}" if part.isidentifier() else f'getattr({text}, "{part}")'
    return text
