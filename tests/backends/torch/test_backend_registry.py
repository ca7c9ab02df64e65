"""The torch backend as the core sees it: found by entry point, imported without torch."""

from __future__ import annotations

import subprocess
import sys

from archdsl.backend import get_backend
from archdsl.ops import OPS


def test_backend_is_registered_and_covers_every_op() -> None:
    backend = get_backend("torch")
    assert backend.ops is not None and backend.ops() == set(OPS)
    assert backend.build is not None and backend.add_build_arguments is not None


def test_importing_the_backend_does_not_import_torch() -> None:
    code = "import sys, backends.torch; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_seed_and_device_may_be_shared_with_another_backend() -> None:
    import argparse

    from backends.torch.options import add_build_arguments

    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int)  # e.g. the onnx backend's, added first
    add_build_arguments(parser.add_argument_group("torch backend"))
    args = parser.parse_args(["--seed", "3", "--device", "cpu"])
    assert (args.seed, args.device) == (3, "cpu")
