"""Python source text for values that come from a user: always parses, always reads back the same value."""

from __future__ import annotations

import math
from typing import Any

from archdsl.errors import BackendError

_QUOTE = '"'


def docstring(text: str) -> str:
    """A triple-quoted literal whose value is `text`, whatever it holds.

    Backslashes and quotes are escaped (a Windows path, a trailing `"` or a `\"\"\"` stay
    text), and so is every character that is not printable (NUL, CR, tab, line and
    paragraph separators, lone surrogates); newlines stay newlines, so the text reads
    as written.
    """
    body = "".join(_escape(c) for c in text)
    return f'"""{body}"""'


def _escape(char: str) -> str:
    if char in ("\\", _QUOTE):
        return "\\" + char
    if char == "\n" or char.isprintable():
        return char
    return char.encode("unicode_escape").decode("ascii")


def literal(value: Any) -> str:
    """A Python expression for a value: containers item by item, `inf`/`nan` as `float('inf')`, others by repr.

    A repr that is not source (`<object at 0x...>`) is a BackendError.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({repr(value)!r})"
    if isinstance(value, (list, tuple)):
        items = [literal(v) for v in value]
        if isinstance(value, list):
            return f"[{', '.join(items)}]"
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    text = repr(value)
    if "<" in text and not isinstance(value, str):
        raise BackendError(f"cannot write {text} as Python source")
    return text
