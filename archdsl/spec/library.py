"""The shipped spec library: where it lives and how a bare name finds a file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from archdsl.errors import Span, SpecError, did_you_mean


def library_root() -> Path:
    """The `specs/` directory: inside the installed package, else the source checkout."""
    installed = Path(str(resources.files("archdsl"))) / "specs"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "specs"


def library_names() -> list[str]:
    """Names of the model specs in the library (block libraries excluded), sorted."""
    root = library_root()
    return sorted(p.stem for p in root.glob("*.yaml"))


def resolve_spec(name_or_path: str) -> Path:
    """A path that exists is itself; otherwise a bare name is looked up in the library."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    if path.exists():
        what = "a directory, not a spec file" if path.is_dir() else "not a regular file"
        raise SpecError(f"'{name_or_path}' is {what}", Span(name_or_path),
                        hint="name a .yaml spec file or a library model")
    if path.suffix in (".yaml", ".yml") or "/" in name_or_path:
        raise SpecError(f"spec file '{name_or_path}' not found", Span(name_or_path))
    candidate = library_root() / f"{name_or_path}.yaml"
    if candidate.is_file():
        return candidate
    raise SpecError(
        f"'{name_or_path}' is neither a spec file nor a model in the library",
        hint=did_you_mean(name_or_path, library_names()) or "`archdsl list` shows the library",
    )
