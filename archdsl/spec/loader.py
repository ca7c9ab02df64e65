"""Reading spec files: YAML → schema check → `extends`/`use` resolution → one Spec."""

from __future__ import annotations

import keyword
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from archdsl.errors import ArchdslError, ErrorGroup, LimitError, Span, SpecError, closest, did_you_mean
from archdsl.limits import Limits
from archdsl.runfiles import note_input
from archdsl.spec.library import library_names, library_root, resolve_spec
from archdsl.spec.params import parse_decl
from archdsl.spec.reach import AllowOutside, Reach, real_path
from archdsl.spec.reading import read_document
from archdsl.spec.schema import (
    IDENTIFIER,
    BlockDecl,
    InitRuleDecl,
    InputDecl,
    LintDecl,
    ParamDecl,
    SpecFile,
    TorchvisionRef,
)
from archdsl.spec.validation import pydantic_errors, validate_model
from archdsl.spec.yamlpos import Document
from archdsl.spec.yamlpos import Path as YPath


class Source(NamedTuple):
    """Where a piece of a spec came from: a document and a path inside it. (A NamedTuple: one
    is made for each key an expansion looks at, and a tuple is made in C.)"""

    doc: Document
    path: YPath

    def at(self, *more: str | int) -> Source:
        return Source(self.doc, self.path + more)

    @property
    def span(self) -> Span:
        return self.doc.span(self.path)


@dataclass
class Block:
    """A block definition together with its origin."""

    name: str
    decl: BlockDecl
    params: dict[str, ParamDecl]
    source: Source


@dataclass(frozen=True)
class InitRule:
    """An `init:` rule together with its origin."""

    decl: InitRuleDecl
    source: Source


@dataclass
class Spec:
    """A fully resolved spec: its own file merged over what it extends and uses."""

    name: str
    file: str
    description: str = ""
    paper: str = ""
    torchvision: TorchvisionRef | None = None
    params: dict[str, ParamDecl] = field(default_factory=dict)
    param_sources: dict[str, Source] = field(default_factory=dict)
    inputs: dict[str, InputDecl] = field(default_factory=dict)
    input_sources: dict[str, Source] = field(default_factory=dict)
    blocks: dict[str, Block] = field(default_factory=dict)
    graph: list[Any] | None = None
    graph_source: Source | None = None
    outputs: list[Any] | None = None
    outputs_source: Source | None = None
    init: list[InitRule] = field(default_factory=list)
    """Initialisation rules in the order they apply: the parent's (`extends`), used files', then its own."""
    plugins: list[tuple[str, Source]] = field(default_factory=list)
    """Plugin modules named by this file and those it extends or uses, with where each is named."""
    lint: list[tuple[LintDecl, Source]] = field(default_factory=list)
    """File-level lint suppressions of this file and those it extends or uses."""
    reach: Reach | None = None
    """The folders this load could read from (reach.py); local plugin files obey it too."""


def load_file(name_or_path: str, limits: Limits, allow_outside: AllowOutside = ()) -> Spec:
    """Load a spec file by library name or path, following `extends` and `use` within the
    spec's folder, the library and `allow_outside` (reach.py); a block library (no `graph:`) loads too."""
    path = resolve_spec(name_or_path)
    reach = Reach.of(path, allow_outside)
    note_input(path, "the spec this command reads")
    try:
        spec = _Loader(limits, reach).load(path, chain=())
    except RecursionError:
        raise LimitError(
            "the spec nests too deeply to process", Span(str(path), 1, 1),
            hint="lower --limit yaml_depth (default 64) so deep nesting is rejected up front",
        ) from None
    spec.reach = reach
    return spec


def load_spec(name_or_path: str, limits: Limits, allow_outside: AllowOutside = ()) -> Spec:
    """Load a model spec by library name or path, following `extends` and `use` (see load_file)."""
    spec = load_file(name_or_path, limits, allow_outside)
    path = Path(spec.file)
    top = Span(str(path), 1, 1)
    if spec.graph is None or spec.graph_source is None:
        raise SpecError("the spec has no `graph:`", top, hint="a model spec lists its nodes under `graph:`")
    if not spec.inputs:
        raise SpecError("the spec declares no `inputs:`", top, hint="add e.g. `inputs: {x: [3, 224, 224]}`")
    return spec


_FOLLOWED = {"extends": "the spec that '{naming}' extends", "use": "a block library that '{naming}' uses"}
"""How a file named by `extends`/`use` is described to the user (see archdsl.runfiles)."""


class _Loader:
    def __init__(self, limits: Limits, reach: Reach) -> None:
        self.limits = limits
        self.reach = reach

    def read(self, path: Path, shown: str, referenced: bool) -> tuple[Document, SpecFile]:
        doc = read_document(path, self.limits, shown, referenced)
        if not isinstance(doc.data, dict):
            raise SpecError("a spec must be a YAML mapping with `archdsl: 1` at the top", doc.span(()))
        return doc, validate_model(SpecFile, doc.data, doc, ())

    def load(self, path: Path, chain: tuple[Path, ...], shown: str = "") -> Spec:
        doc, model = self.read(path, shown or str(path), referenced=bool(chain))
        spec = self.base_of(model, doc, path, chain)
        for index, used in enumerate(model.use):
            self.merge_blocks(spec, self.follow(used, doc, ("use", index), path, chain), Source(doc, ("use", index)))
        self.apply(spec, model, doc)
        return spec

    def base_of(self, model: SpecFile, doc: Document, path: Path, chain: tuple[Path, ...]) -> Spec:
        if model.extends is None:
            return Spec(name=model.name or path.stem, file=str(path))
        parent = self.follow(model.extends, doc, ("extends",), path, chain)
        parent.file = str(path)
        parent.name = path.stem  # a variant is its own model: without `name:`, the file names it
        return parent

    def follow(
        self, target: str, doc: Document, where: YPath, path: Path, chain: tuple[Path, ...]
    ) -> Spec:
        """Load a file named by `extends`/`use`: relative to the naming file, else a library name;
        either way inside the reach of this load (reach.py)."""
        here = real_path(path)
        try:
            resolved = _locate(target, path.parent, self.reach)
            self.reach.check(resolved, target, str(where[0]))
            if resolved in chain or resolved == here:
                cycle = " → ".join(p.name for p in (*chain, here, resolved))
                raise SpecError(f"`extends`/`use` cycle: {cycle}")
            if len(chain) + 1 >= self.limits.import_depth:
                raise LimitError(
                    f"`extends`/`use` chain deeper than the limit of {self.limits.import_depth}"
                )
            if not os.path.lexists(resolved):
                raise SpecError(f"file '{target}' not found (looked in {path.parent}"
                                + (" and the library)" if _in_library(target) else ")"),
                                hint=_nearest_file(target, resolved))
            note_input(resolved, _FOLLOWED[where[0]].format(naming=path.name), doc.span(where))
            return self.load(resolved, chain + (here,), target)
        except ArchdslError as error:
            raise error.located(doc.span(where)) from None

    def merge_blocks(self, spec: Spec, used: Spec, where: Source) -> None:
        for name, block in used.blocks.items():
            known = spec.blocks.get(name)
            if known is not None and known.source.doc.file != block.source.doc.file:
                raise SpecError(f"block '{name}' comes from two files: {known.source.span} and {block.source.span}",
                                where.span, hint="rename one of them; a spec's own `blocks:` may override either")
        spec.blocks.update(used.blocks)
        spec.init.extend(used.init)
        spec.plugins.extend(p for p in used.plugins if p not in spec.plugins)
        spec.lint.extend(s for s in used.lint if s not in spec.lint)
        for name, decl in used.params.items():
            spec.params.setdefault(name, decl)
            spec.param_sources.setdefault(name, used.param_sources[name])

    def apply(self, spec: Spec, model: SpecFile, doc: Document) -> None:
        """Lay one file's own content over what it extends."""
        root = Source(doc, ())
        if model.name:
            spec.name = model.name
        spec.description = model.description or spec.description
        spec.paper = model.paper or spec.paper
        if model.torchvision is not None:
            tv = model.torchvision
            spec.torchvision = TorchvisionRef(model=tv) if isinstance(tv, str) else tv
        self.apply_params(spec, model.params, root.at("params"), variant=model.extends is not None)
        for name, raw in model.inputs.items():
            if not IDENTIFIER.fullmatch(name) or keyword.iskeyword(name) or name == "self":
                raise SpecError(f"invalid input name {name!r}: it becomes an argument of forward() and an ONNX input",
                                root.at("inputs", name).span,
                                hint="use letters, digits and _, not starting with a digit, and no Python keyword or `self`")
            decl = raw if isinstance(raw, InputDecl) else InputDecl(shape=raw)
            spec.inputs[name] = decl
            spec.input_sources[name] = root.at("inputs", name)
        for name, decl in model.blocks.items():
            source = root.at("blocks", name)
            params = self.block_params(decl, source)
            spec.blocks[name] = Block(name, decl, params, source)
        if model.graph is not None:
            spec.graph, spec.graph_source = model.graph, root.at("graph")
        if model.outputs is not None:
            spec.outputs, spec.outputs_source = model.outputs, root.at("outputs")
        spec.init.extend(InitRule(rule, root.at("init", i)) for i, rule in enumerate(model.init))
        spec.plugins.extend((name, root.at("plugins", i)) for i, name in enumerate(model.plugins))
        if model.lint is not None:
            spec.lint.append((model.lint, root.at("lint")))

    def apply_params(self, spec: Spec, raw: dict[str, Any], source: Source, variant: bool = False) -> None:
        errors: list[ArchdslError] = []
        for name, value in raw.items():
            near = did_you_mean(name, spec.params) if variant and name not in spec.params else None
            if near and not _is_long_form(value):  # `layer: [3, 4, 23, 3]` over resnet50's `layers`
                errors.append(SpecError(f"the spec this one extends has no param '{name}'", source.at(name).span,
                                        hint=f"{near} (a variant declares a new param in the long form: "
                                             f"{{type: ..., default: ...}})"))
                continue
            try:
                decl = parse_decl(value)
            except ValidationError as exc:
                errors.append(SpecError(f"param '{name}': {exc.errors()[0]['msg']}", source.at(name).span))
                continue
            inherited = spec.params.get(name)
            if inherited is not None and not _is_long_form(value) and decl.type != "any":
                decl = inherited.model_copy(update={"default": value, "required": False})
            spec.params[name] = decl
            spec.param_sources[name] = source.at(name)
        if errors:
            raise ErrorGroup(errors)

    def block_params(self, decl: BlockDecl, source: Source) -> dict[str, ParamDecl]:
        params: dict[str, ParamDecl] = {}
        for name, value in decl.params.items():
            try:
                params[name] = parse_decl(value)
            except ValidationError as exc:
                span = source.at("params", name).span
                raise SpecError(f"param '{name}': {exc.errors()[0]['msg']}", span) from None
        return params


def _is_bare(target: str) -> bool:
    """`resnet50`: a library name, as the CLI takes it (no folder, no .yaml)."""
    return "/" not in target and "\\" not in target and Path(target).suffix not in (".yaml", ".yml")


def _locate(target: str, folder: Path, reach: Reach) -> Path:
    """The file `target` names: beside the naming file, else in the shipped library, where
    `resnet50`, `blocks/resnet.yaml` and (for a bare name) `resnet` under `blocks/` all resolve,
    so an installed package's blocks can be used from a spec anywhere. A path out of reach is
    returned unexamined (no stat, no fallback), so whether it exists cannot be learnt from the error."""
    resolved = real_path(folder / target)
    if not reach.allows(resolved) or os.path.lexists(resolved):
        return resolved
    for shipped in _library_candidates(target):
        if shipped.is_file():
            return real_path(shipped)
    return resolved


def _library_candidates(target: str) -> list[Path]:
    """Where `target` may sit in the library: none for an absolute path or one that climbs out (`..`)."""
    if not _in_library(target):
        return []
    root = library_root()
    found = [root / target]
    if Path(target).suffix not in (".yaml", ".yml"):
        found.append(root / f"{target}.yaml")
        if _is_bare(target):
            found.append(root / "blocks" / f"{target}.yaml")
    return found


def _in_library(target: str) -> bool:
    path = Path(target)
    return not path.is_absolute() and ".." not in path.parts


def _nearest_file(target: str, resolved: Path) -> str | None:
    """'did you mean' over the spec files beside `resolved` (and library names for a bare name).

    Names are compared without their suffix: a shared `.yaml` would make any two names look alike.
    """
    folder = resolved.parent
    files = {p.stem: p.name for p in folder.glob("*.y*ml")} if folder.is_dir() else {}
    shipped = library_root() / Path(target).parent
    if _in_library(target) and shipped.is_dir() and not _is_bare(target):  # blocks/resnt.yaml
        prefix = "" if shipped == library_root() else f"{Path(target).parent.as_posix()}/"
        files.update({p.stem: prefix + p.name for p in shipped.glob("*.y*ml") if p.stem not in files})
    if _is_bare(target):
        files.update({name: name for name in library_names() if name not in files})
    stem = closest(resolved.stem, files)
    return f"did you mean '{files[stem]}'?" if stem else None


def _is_long_form(raw: Any) -> bool:
    return isinstance(raw, dict) and bool({"type", "default", "doc", "required", "choices"} & set(raw))


__all__ = ["Block", "InitRule", "Source", "Spec", "load_file", "load_spec", "pydantic_errors", "validate_model"]
