"""The torch backend as the core sees it: found by entry point, imported without torch."""

from __future__ import annotations

import subprocess
import sys

from archdsl.backends import get_backend
from archdsl.ops import OPS


def test_backend_is_registered_and_covers_every_op() -> None:
    backend = get_backend("torch")
    assert backend.ops is not None and backend.ops() == set(OPS)
    assert backend.build is not None and backend.shared_options == {"seed", "device"}


def test_importing_the_backend_does_not_import_torch() -> None:
    code = "import sys, archdsl.backends.torch; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"

