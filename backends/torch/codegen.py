"""Code generation for graphs with train-only outputs: eval mode returns before the tail.

The fx graph computes every output, then selects by mode:

    training = self.training
    outputs = train_or_eval(training, <eval result>, <train result>)

which is what graph-level tools (torch.fx.Interpreter, non-strict torch.export)
run. The generated `forward` does the same work faster: before the first
train-only node it inserts

    if not self.training:
        return <eval result>

and past that point, where `self.training` is known to be true, the selection
is just the training result. This CodeGen keeps only strings, so copies of the
graph carry it intact.
"""

from __future__ import annotations

import re
from typing import Any

from torch.fx.graph import CodeGen


class ModeCodeGen(CodeGen):
    """fx CodeGen returning `eval_result` in eval mode before the node named `tail`."""

    def __init__(self, tail: str, eval_result: str, training: str, chosen: str, train_result: str) -> None:
        super().__init__()
        self.tail = tail
        self.eval_result = eval_result
        self.training = training
        self.chosen = chosen
        self.train_result = train_result
        self._body_transformer = self.transform

    def transform(self, body: list[str]) -> list[str]:
        """Insert the eval-mode return; past it, read the selection as the training result."""
        found: list[str] = []
        for i, line in enumerate(body):
            if _assigns(line, self.tail):
                found.append(f"if not self.training:\n    return {self.eval_result}\n")
            if _assigns(line, self.training):
                if i + 1 < len(body) and body[i + 1] == "\n":
                    body[i + 1] = ""
                continue
            if _assigns(line, self.chosen):
                line = f"{self.chosen} = {self.train_result}"
            elif line.startswith(";"):
                line = re.sub(rf"\b{re.escape(self.training)} = ", "", line)
            found.append(line)
        if not any(line.startswith("if not self.training") for line in found):
            raise AssertionError(f"generated code has no line for fx node '{self.tail}'")
        return found

    def __deepcopy__(self, memo: dict[int, Any]) -> ModeCodeGen:
        return ModeCodeGen(self.tail, self.eval_result, self.training, self.chosen, self.train_result)


def _assigns(line: str, name: str) -> bool:
    return line.startswith((f"{name} = ", f"{name} : "))
