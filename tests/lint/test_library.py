"""Every shipped spec is lint-clean, or says in a suppression why a warning does not apply."""

from __future__ import annotations

import pytest

from archdsl.cli import main
from archdsl.spec.library import library_root


def test_the_library_is_lint_clean_under_strict(capsys: pytest.CaptureFixture) -> None:
    specs = sorted(str(p) for p in library_root().glob("*.yaml"))
    assert len(specs) > 40
    status = main(["lint", "--strict", *specs])
    out = capsys.readouterr().out
    assert status == 0, "\n".join(line for line in out.splitlines() if not line.endswith(": clean"))
