"""The diagram label of coordconv, registered through the graphviz backend's table."""

from __future__ import annotations

from typing import Any

from archdsl.backends.graphviz.labels import dims, join, lowers, value_text


def _step(prefix: str, value: Any, neutral: int) -> str:
    return "" if value == neutral or value == [neutral, neutral] else f"{prefix}{value_text(value)}"


@lowers("coordconv")
def coordconv(a: Any) -> str:
    """`3×3 s2 p1 +yx → 32` (`+yxr` with the radius channel)."""
    return join(dims(a.kernel, 2), _step("s", a.stride, 1), _step("p", a.padding, 0), _step("d", a.dilation, 1),
                "+yxr" if a.with_r else "+yx", f"→ {a.out}")
