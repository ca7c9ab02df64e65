"""Code generation: submodule paths written so they always parse, and train-only outputs.

torch.fx writes a call of the submodule `a.class` as `self.a.class(...)`, which does not
parse (nor does a `__name` inside a class body read the right attribute); `PathCodeGen`
rewrites each such call with `archdsl.backends.torch.names.attribute_text` (`getattr(self.a, "class")`).

Graphs with train-only outputs: eval mode returns before the tail.

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

from archdsl.backends.torch.names import attribute_text, fx_attribute_text


def path_rewrites(paths: list[str]) -> dict[str, str]:
    """fx's call text → ours, for the module paths where the two differ."""
    found = {f"= {fx_attribute_text('self', p)}(": f"= {attribute_text('self', p)}(" for p in paths}
    return {fx: ours for fx, ours in found.items() if fx != ours}


class PathCodeGen(CodeGen):
    """fx CodeGen whose submodule calls always parse (`rewrites`: see `path_rewrites`)."""

    def __init__(self, rewrites: dict[str, str]) -> None:
        super().__init__()
        self.rewrites = dict(rewrites)
        self._body_transformer = self.transform

    def transform(self, body: list[str]) -> list[str]:
        """Each line with the submodule calls torch.fx would write wrongly rewritten."""
        return [self.rewrite(line) for line in body] if self.rewrites else body

    def rewrite(self, line: str) -> str:
        for fx_text, ours in self.rewrites.items():
            if fx_text in line:
                line = line.replace(fx_text, ours, 1)
        return line

    def __deepcopy__(self, memo: dict[int, Any]) -> PathCodeGen:
        return PathCodeGen(self.rewrites)


class ModeCodeGen(PathCodeGen):
    """PathCodeGen that also returns `eval_result` in eval mode before the node named `tail`."""

    def __init__(self, rewrites: dict[str, str], tail: str, eval_result: str, training: str, chosen: str,
                 train_result: str) -> None:
        super().__init__(rewrites)
        self.tail = tail
        self.eval_result = eval_result
        self.training = training
        self.chosen = chosen
        self.train_result = train_result

    def transform(self, body: list[str]) -> list[str]:
        """Insert the eval-mode return; past it, read the selection as the training result."""
        body = super().transform(body)
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
        return ModeCodeGen(self.rewrites, self.tail, self.eval_result, self.training, self.chosen, self.train_result)


def _assigns(line: str, name: str) -> bool:
    return line.startswith((f"{name} = ", f"{name} : "))
