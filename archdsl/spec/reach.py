"""What a spec may read: the one rule for every file a spec names (`extends:`, `use:`, local `plugins:`).

A file a spec names must lie, symlinks resolved, in the folder of the spec the user named
(or below it) or in the shipped library; each `--allow-outside DIR` (Python:
`archdsl.load(..., allow_outside=[DIR])`) adds a folder. So a spec written by someone else
cannot read, or learn about, files elsewhere on the machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from archdsl.errors import SpecError
from archdsl.spec.library import library_root

AllowOutside = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
"""Extra folders (and what lies below them) a spec may read: one, or several."""


def real_path(path: Path) -> Path:
    """`path` absolute, with every symlink resolved; a symlink loop is a SpecError."""
    try:
        return Path(os.path.realpath(path, strict=False))
    except (OSError, RuntimeError, ValueError) as exc:  # ELOOP, "Symlink loop", an embedded NUL
        raise SpecError(f"cannot resolve '{path}': {getattr(exc, 'strerror', None) or exc}",
                        hint="a symlink on the way points back at itself") from None


@dataclass(frozen=True)
class Reach:
    """The folders a spec may read from: its tree, the library, and any allowed outside."""

    tree: Path
    """The folder of the spec the user named (resolved)."""
    library: Path
    extra: tuple[Path, ...] = ()

    @classmethod
    def of(cls, top: Path, allow_outside: AllowOutside = ()) -> Reach:
        """The reach of a load whose top-level spec is `top`."""
        # one path is one folder, not the characters of its name (`allow_outside="/etc"` is not "/", "e", ...)
        folders = [allow_outside] if isinstance(allow_outside, (str, os.PathLike)) else list(allow_outside)
        return cls(real_path(top.absolute().parent), real_path(library_root()),
                   tuple(real_path(Path(os.fspath(p)).absolute()) for p in folders))

    @property
    def roots(self) -> tuple[Path, ...]:
        return (self.tree, self.library, *self.extra)

    def allows(self, resolved: Path) -> bool:
        """Whether a resolved path lies in one of the roots (or is one)."""
        return any(resolved.is_relative_to(root) for root in self.roots)

    def check(self, resolved: Path, named: str, key: str) -> None:
        """A SpecError (no span: the caller locates it) when `resolved` lies outside every root."""
        if self.allows(resolved):
            return
        extra = "".join(f", {root}" for root in self.extra)
        raise SpecError(
            f"`{key}` target '{named}' resolves to {resolved}, outside the folders a spec may read "
            f"(its own folder {self.tree} and below, the shipped library{extra})",
            hint=f"if you trust that file, pass --allow-outside {resolved.parent} "
                 f"(Python: archdsl.load(..., allow_outside=['{resolved.parent}']))",
        )


__all__ = ["AllowOutside", "Reach", "real_path"]
