"""Structured mutation of the library's specs, and the property every mutant must keep.

The property: loading a mutant and running every analysis on it either succeeds
or raises an ArchdslError whose message formats cleanly; any other exception is
a bug. Mutations work on the YAML data (delete, rename or retype keys, swap
references, perturb numbers, inject expressions) or on the text (tags, anchors,
merge keys, documents, control characters, truncation, line endings).

`ARCHDSL_FUZZ_EXAMPLES` sets the examples per test (CI default: a few thousand in
all, drawn from the quicker specs, derandomized); a long run is random and mutates every
library file, or with `ARCHDSL_FUZZ_FILES=ci` the CI selection (one or two specs of each
family), or with `fast` that selection without its three slowest files: more cases in the
same time.
"""

from __future__ import annotations

import copy
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import archdsl
from archdsl.analysis.formats import FORMATS
from archdsl.errors import ArchdslError
from archdsl.limits import Limits
from archdsl.lint import lint
from archdsl.lint.report import text as lint_text
from archdsl.spec.library import library_root
from archdsl.spec.loader import load_spec
from archdsl.spec.yamlpos import load_yaml

LONG_RUN = "ARCHDSL_FUZZ_EXAMPLES" in os.environ
LIMITS = Limits(graph_nodes=4_000, repeat=300, yaml_nodes=20_000)
"""Tighter than the defaults so a mutant that multiplies a model fails fast, not slowly."""
CI_FILES = (
    "alexnet.yaml", "fractalnet.yaml", "lenet5.yaml", "lstm_classifier.yaml", "mobilenet_v1.yaml", "nin.yaml",
    "resnet18.yaml", "squeezenet1_0.yaml", "vgg11_bn.yaml", "yolov1.yaml", "zfnet.yaml",
    "blocks/resnet.yaml", "blocks/mobilenet.yaml",
)
"""What CI mutates: one or two specs of each family, quick to analyse; a long run takes every file."""
SLOW_FILES = ("fractalnet.yaml", "vgg11_bn.yaml", "yolov1.yaml")
"""The CI files whose mutants cost most (recursive blocks, 4,000-node limit cases): a long run
with `ARCHDSL_FUZZ_FILES=fast` leaves them out to spend its time on more cases."""


def examples(ci_default: int) -> settings:
    """Hypothesis settings: `ARCHDSL_FUZZ_EXAMPLES` or the CI default, no deadline, no database."""
    count = int(os.environ.get("ARCHDSL_FUZZ_EXAMPLES", ci_default))
    return settings(
        max_examples=count, deadline=None, database=None, derandomize=not LONG_RUN,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# -- the library ---------------------------------------------------------------------


@cache
def library_files() -> tuple[Path, ...]:
    """Spec and block files to mutate, relative to the library root."""
    root = library_root()
    files = sorted(p.relative_to(root) for p in root.rglob("*.yaml"))
    chosen = os.environ.get("ARCHDSL_FUZZ_FILES", "all") if LONG_RUN else "ci"
    if chosen == "all":
        return tuple(files)
    wanted = set(CI_FILES) - set(SLOW_FILES) if chosen == "fast" else set(CI_FILES)
    return tuple(f for f in files if str(f) in wanted)


@cache
def original_text(relative: Path) -> str:
    return (library_root() / relative).read_text(encoding="utf-8")


@cache
def original_data(relative: Path) -> Any:
    return load_yaml(original_text(relative), str(relative), Limits()).data


@cache
def users_of(relative: Path) -> tuple[Path, ...]:
    """Model specs (among those mutated) whose blocks come from `relative`; itself if it is a model."""
    if relative.parts[0] != "blocks":
        return (relative,)
    root = library_root()
    models = [f for f in library_files() if f.parts[0] != "blocks"]
    return tuple(f for f in models if any(
        Path(b.source.doc.file).resolve() == (root / relative).resolve()
        for b in load_spec(str(root / f), Limits()).blocks.values()))


class Library:
    """A private copy of the spec library where one file at a time is replaced by a mutant."""

    def __init__(self, folder: Path) -> None:
        self.root = folder / "specs"
        if not self.root.exists():
            shutil.copytree(library_root(), self.root)

    @contextmanager
    def replaced(self, relative: Path, content: str | bytes) -> Iterator[Path]:
        target = self.root / relative
        data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
        target.write_bytes(data)
        try:
            yield target
        finally:
            target.write_text(original_text(relative), encoding="utf-8")


# -- the property --------------------------------------------------------------------


OUTCOMES: Counter[str] = Counter()
"""Cases run in this process: 'analysed' (the mutant was fine) or the ArchdslError class raised."""


def load_and_analyse(path: Path, params: dict[str, Any] | None = None, fmt: str = "json") -> None:
    """Load, expand, analyse, report and lint; only ArchdslError may escape, and it must format."""
    try:
        model = archdsl.load(path, limits=LIMITS, **(params or {}))
        FORMATS[fmt](model.analyze(), None)
        lint_text([lint(model)])
        OUTCOMES["analysed"] += 1
    except ArchdslError as error:
        text = error.format()
        assert "error" in text and error.message, text
        OUTCOMES[type(error).__name__] += 1


# -- data mutations ------------------------------------------------------------------

Tree = Any
Where = tuple[Any, ...]


def _places(tree: Tree, where: Where = ()) -> list[Where]:
    """Every path into a YAML tree, the root included."""
    found = [where]
    if isinstance(tree, dict):
        for key, value in tree.items():
            found += _places(value, where + (key,))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            found += _places(value, where + (index,))
    return found


def _strings(tree: Tree) -> list[str]:
    """Keys and string values of a tree: node names, ops, blocks, params to swap in elsewhere."""
    if isinstance(tree, dict):
        return [k for k in tree] + [s for v in tree.values() for s in _strings(v)]
    if isinstance(tree, list):
        return [s for v in tree for s in _strings(v)]
    return [tree] if isinstance(tree, str) else []


def _get(tree: Tree, where: Where) -> Any:
    for part in where:
        tree = tree[part]
    return tree


NUMBERS = st.one_of(
    st.integers(-3, 1100), st.sampled_from([0, -1, 2**31, 2**63, 2**255, 10**80]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.5, -0.0, 1e-300, 1e300]),
)
EXPRESSIONS = st.builds(
    lambda a, op, b: f"${{{a} {op} {b}}}",
    st.sampled_from(["1", "0", "-1", "2.5", "input.channels", "x.height", "i", "planes", "layers", "nope",
                     "len(layers)", "[1, 2]", "'a'", "True", "None", "10**9", "range(5)", "max(layers)"]),
    st.sampled_from(["+", "-", "*", "/", "//", "%", "**", "==", "<", "and", "or", "if True else", "in"]),
    st.sampled_from(["0", "1", "3", "-2", "0.5", "'b'", "[3]", "input.width", "i", "layers[0]", "10**100"]),
)
SCALARS = st.one_of(
    NUMBERS, st.booleans(), st.none(), EXPRESSIONS,
    st.text(min_size=0, max_size=12), st.sampled_from(["relu", "conv2d", "input", "x", "0", "", "${", "}"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


@st.composite
def mutated_tree(draw: st.DrawFn, tree: Tree) -> Tree:
    """One to three structured mutations of a YAML tree (a deep copy is changed)."""
    tree = copy.deepcopy(tree)
    for _ in range(draw(st.integers(1, 3))):
        places = _places(tree)
        where = draw(st.sampled_from(places))
        kind = draw(st.sampled_from(["delete", "rename", "retype", "swap", "number", "list", "expression"]))
        tree = _mutate(draw, tree, where, kind)
    return tree


def _mutate(draw: st.DrawFn, tree: Tree, where: Where, kind: str) -> Tree:
    if not where:
        return draw(VALUES) if kind == "retype" else tree
    parent, key = _get(tree, where[:-1]), where[-1]
    value = parent[key]
    if kind == "delete":
        del parent[key]
    elif kind == "rename" and isinstance(parent, dict):
        new = draw(st.one_of(st.sampled_from(_strings(tree) or ["x"]), st.text(max_size=10),
                             st.just(str(key)[:-1]), st.just(str(key) + "s")))
        parent[new] = parent.pop(key)
    elif kind == "retype":
        parent[key] = draw(VALUES)
    elif kind == "swap":
        parent[key] = draw(st.sampled_from(_strings(tree) or ["x"]))
    elif kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        parent[key] = draw(st.one_of(NUMBERS, st.sampled_from([value + 1, value - 1, -value, value * 1000])))
    elif kind == "list" and isinstance(value, list) and value:
        index = draw(st.integers(0, len(value) - 1))
        action = draw(st.sampled_from(["drop", "duplicate", "reverse"]))
        if action == "drop":
            del value[index]
        elif action == "duplicate":
            value.insert(index, copy.deepcopy(value[index]))
        else:
            value.reverse()
    elif kind == "expression":
        parent[key] = draw(EXPRESSIONS)
    return tree


def dump(tree: Tree) -> str:
    """YAML text of a mutated tree (NaN and inf survive as .nan/.inf)."""
    return yaml.safe_dump(tree, sort_keys=False, allow_unicode=True, width=1000)


# -- text mutations ------------------------------------------------------------------

TAGS = ["!!python/object/apply:os.system ['true']", "!!python/name:os.system", "!!binary aGk=", "!!set {a}",
        "!custom 1", "!!timestamp 2001-12-14", "!!str 3", "!!int '7'", "!!float 1e3", "!!map {a: 1}"]
NOISE = ["\t", "\x00", "\x85", "\u2028", "\ufeff", "é", "💥", "\r", "{", "}", "[", "]", ":", "- ", "&a ", "*a",
         "? ", "|", ">", "%", "@", "`", "'", '"', "#", "\\", "${", "<<: *a", "---", "..."]


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> str | bytes:
    """The spec's text with YAML features or damage injected at a drawn place."""
    lines = text.splitlines(keepends=True) or [""]
    at = draw(st.integers(0, len(lines) - 1))
    kind = draw(st.sampled_from(["tag", "anchor", "merge", "document", "noise", "truncate", "duplicate",
                                 "crlf", "bom", "indent", "bytes", "flow"]))
    line = lines[at]
    if kind == "tag" and ": " in line:
        head, _, tail = line.partition(": ")
        lines[at] = f"{head}: {draw(st.sampled_from(TAGS))}{' ' + tail if draw(st.booleans()) else chr(10)}"
    elif kind == "anchor" and ": " in line:
        head, _, tail = line.partition(": ")
        lines[at] = f"{head}: &a {tail}"
        later = draw(st.integers(0, len(lines) - 1))
        if ": " in lines[later]:
            head2, _, _ = lines[later].partition(": ")
            lines[later] = f"{head2}: *a\n"
    elif kind == "merge":
        indent = len(line) - len(line.lstrip(" -"))
        lines.insert(at, " " * indent + "<<: {a: 1}\n")
    elif kind == "document":
        lines.insert(at, draw(st.sampled_from(["---\n", "...\n", "--- !!map\n", "%YAML 1.1\n"])))
    elif kind == "noise":
        col = draw(st.integers(0, len(line)))
        lines[at] = line[:col] + draw(st.sampled_from(NOISE)) + line[col:]
    elif kind == "truncate":
        return "".join(lines)[: draw(st.integers(0, len(text)))]
    elif kind == "duplicate":
        lines.insert(at, line)
    elif kind == "crlf":
        return "".join(lines).replace("\n", "\r\n")
    elif kind == "bom":
        return "\ufeff" + "".join(lines)
    elif kind == "indent":
        lines[at] = draw(st.sampled_from(["  ", " ", "\t"])) + line if draw(st.booleans()) else line.lstrip()
    elif kind == "bytes":
        data = bytearray("".join(lines).encode("utf-8"))
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    elif kind == "flow":
        lines[at] = line.replace(": ", ": {", 1).rstrip("\n") + "}\n" if ": " in line else line
    return "".join(lines)


# -- parameter mutations -------------------------------------------------------------


def declared_params(relative: Path) -> list[str]:
    data = original_data(relative)
    return list(data.get("params") or {}) if isinstance(data, dict) else []


@st.composite
def mutated_params(draw: st.DrawFn, relative: Path) -> dict[str, Any]:
    """Overrides as `-p` would give them: known and unknown names, any value."""
    names = declared_params(relative) + ["nope"]
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
    return {name: draw(VALUES) for name in chosen}

