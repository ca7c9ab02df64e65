"""Mutants of every library spec load and analyse, or fail with an ArchdslError: never anything else."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzzkit import (
    Library,
    dump,
    examples,
    library_files,
    load_and_analyse,
    mutated_params,
    mutated_text,
    mutated_tree,
    original_data,
    original_text,
    users_of,
)
from hypothesis import given
from hypothesis import strategies as st

from archdsl.analysis.formats import FORMATS

FILES = library_files()
MODELS = [f for f in FILES if f.parts[0] != "blocks"]


@pytest.mark.parametrize("relative", FILES, ids=str)
@examples(ci_default=120)
@given(data=st.data())
def test_data_mutants_fail_cleanly(relative: Path, library: Library, data: st.DataObject) -> None:
    mutant = dump(data.draw(mutated_tree(original_data(relative)), label="mutant"))
    model = data.draw(st.sampled_from(users_of(relative)), label="model")
    with library.replaced(relative, mutant):
        load_and_analyse(library.root / model, fmt=data.draw(st.sampled_from(sorted(FORMATS))))


@pytest.mark.parametrize("relative", FILES, ids=str)
@examples(ci_default=80)
@given(data=st.data())
def test_text_mutants_fail_cleanly(relative: Path, library: Library, data: st.DataObject) -> None:
    mutant = data.draw(mutated_text(original_text(relative)), label="mutant")
    model = data.draw(st.sampled_from(users_of(relative)), label="model")
    with library.replaced(relative, mutant):
        load_and_analyse(library.root / model)


@pytest.mark.parametrize("relative", MODELS, ids=str)
@examples(ci_default=30)
@given(data=st.data())
def test_param_overrides_fail_cleanly(relative: Path, library: Library, data: st.DataObject) -> None:
    params = data.draw(mutated_params(relative), label="params")
    load_and_analyse(library.root / relative, params)
