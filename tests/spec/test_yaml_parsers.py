"""libyaml's parser and PyYAML's pure-Python one (used where PyYAML was built without libyaml)
give the same documents, and neither lets a malformed file escape as anything but a SpecError."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from archdsl.errors import ArchdslError
from archdsl.limits import DEFAULT_LIMITS
from archdsl.spec import yamlpos
from archdsl.spec.library import library_root

SPECS = sorted(library_root().rglob("*.yaml"))
SYNTAX = sorted((Path(__file__).parents[1] / "errors" / "corpus" / "syntax").glob("*.yaml"))


def _load(text: str, file: str, parser: type) -> yamlpos.Document | str:
    original = yamlpos.PARSER
    yamlpos.PARSER = parser
    try:
        return yamlpos.load_yaml(text, file, DEFAULT_LIMITS)
    except ArchdslError as error:
        return type(error).__name__
    finally:
        yamlpos.PARSER = original


@pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False), reason="PyYAML without libyaml")
@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_both_parsers_give_the_same_document(path: Path) -> None:
    text = path.read_text()
    fast, pure = _load(text, str(path), yaml.CSafeLoader), _load(text, str(path), yaml.SafeLoader)
    assert isinstance(fast, yamlpos.Document) and isinstance(pure, yamlpos.Document)
    assert (fast.data, fast.spans, fast.aliases) == (pure.data, pure.spans, pure.aliases)


@pytest.mark.parametrize("parser", [yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)], ids=["python", "libyaml"])
@pytest.mark.parametrize("path", SYNTAX, ids=lambda p: p.stem)
def test_malformed_files_are_spec_errors(parser: type, path: Path) -> None:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:  # the loader rejects such a file before parsing; parse its characters anyway
        text = raw.decode("latin-1")
    result = _load(text, str(path), parser)
    assert isinstance(result, (str, yamlpos.Document))
