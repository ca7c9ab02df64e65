"""Code generation for graphs with train-only outputs: an early `return` in eval mode.

The fx graph holds the training-mode computation with the train-only tail
last. This CodeGen inserts, before the tail's first node,

    if not self.training:
        return <eval-mode result>

so inference skips the tail and `forward` stays straight-line Python that
`torch.compile` and `torch.export` trace (both specialise on `self.training`).
It keeps only strings, so deep copies of the graph carry it intact.
"""

from __future__ import annotations

from typing import Any

from torch.fx.graph import CodeGen


class EarlyReturnCodeGen(CodeGen):
    """fx CodeGen that returns `eval_result` in eval mode before the node named `tail`."""

    def __init__(self, tail: str, eval_result: str) -> None:
        super().__init__()
        self.tail = tail
        self.eval_result = eval_result
        self._body_transformer = self.insert_return

    def insert_return(self, body: list[str]) -> list[str]:
        """Put the eval-mode return just before the line that computes the tail's first node."""
        starts = (f"{self.tail} = ", f"{self.tail} : ")
        at = next((i for i, line in enumerate(body) if line.startswith(starts)), None)
        if at is None:
            raise AssertionError(f"generated code has no line for fx node '{self.tail}'")
        return [*body[:at], f"if not self.training:\n    return {self.eval_result}\n", *body[at:]]

    def __deepcopy__(self, memo: dict[int, Any]) -> EarlyReturnCodeGen:
        return EarlyReturnCodeGen(self.tail, self.eval_result)
