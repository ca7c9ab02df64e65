"""Snapshot every artifact archdsl makes from the library, to prove a refactor changed nothing.

    python tools/snapshot.py OUT [NAME ...]      # all library specs when no NAME is given
    diff -r BEFORE AFTER                          # empty: byte-identical

For each spec: `analyze --format json`, the generated standalone `.py`, DOT at the default
depth and at depth 1, the sha256 of the ONNX file `archdsl export --seed 0` writes, and the
sha256 of the torch state_dict under seed 0 (keys, dtypes, shapes and raw bytes, in order).
Large binaries are hashed so a snapshot of the whole library stays a few megabytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import sys
import tempfile
from pathlib import Path

from archdsl.cli import main as cli
from archdsl.spec.library import library_names


def _run(*argv: str) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = cli(list(argv))
    if status != 0:
        raise SystemExit(f"archdsl {' '.join(argv)} exited {status}:\n{err.getvalue()}")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _state_dict_digest(name: str) -> str:
    import archdsl

    digest = hashlib.sha256()
    for key, tensor in archdsl.load(name).to_torch(seed=0).state_dict().items():
        flat = tensor.detach().cpu().contiguous()
        digest.update(f"{key} {flat.dtype} {tuple(flat.shape)}\n".encode())
        digest.update(flat.view(-1).view(dtype=__import__("torch").uint8).numpy().tobytes())
    return digest.hexdigest()


def snapshot(name: str, out: Path) -> None:
    """Write every artifact of library spec `name` into `out`."""
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        _run("analyze", name, "--format", "json", "-o", str(out / f"{name}.analyze.json"))
        _run("build", name, "--backend", "torch", "--seed", "0", "-o", str(out / f"{name}.py"))
        _run("render", name, "-o", str(out / f"{name}.dot"))
        _run("render", name, "--depth", "1", "-o", str(out / f"{name}.depth1.dot"))
        _run("export", name, "--seed", "0", "-o", str(tmp / "m.onnx"))
        (out / f"{name}.onnx.sha256").write_text(_sha256(tmp / "m.onnx") + "\n")
    (out / f"{name}.state_dict.sha256").write_text(_state_dict_digest(name) + "\n")


def main(argv: list[str]) -> int:
    """Snapshot the named specs (default: the whole library) into argv[0]."""
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for name in argv[1:] or library_names():
        snapshot(name, out)
        print(name, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
