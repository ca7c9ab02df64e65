"""`extends:`/`use:` targets: files beside the spec first, then the shipped library; hints only for close names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import archdsl
from archdsl.errors import ArchdslError, SpecError

CHILD = "archdsl: 1\nname: small\nextends: {target}\nparams: {{num_classes: 10}}\n"
TINY = "archdsl: 1\nname: local\ninputs: {x: [3, 8, 8]}\nparams: {num_classes: 2}\ngraph: [flatten, {op: linear, out: '${num_classes}'}]\n"


def test_a_bare_name_extends_the_library_model(write_spec: Callable[..., Path]) -> None:
    model = archdsl.load(write_spec(CHILD.format(target="resnet18")))
    assert model.graph.name == "small"
    assert model.graph.nodes["fc"].attrs.out == 10


def test_a_file_beside_the_spec_wins_over_the_library(write_spec: Callable[..., Path]) -> None:
    write_spec(TINY, "resnet18")
    model = archdsl.load(write_spec(CHILD.format(target="resnet18")))
    assert [node.op for node in model.graph.nodes.values()] == ["input", "flatten", "linear"]


@pytest.mark.parametrize("target", ["resnet18.yaml", "./resnet18", "resnet18"])
def test_a_library_model_is_found_with_or_without_its_suffix(write_spec: Callable[..., Path], target: str) -> None:
    assert archdsl.load(write_spec(CHILD.format(target=target))).graph.nodes["fc"].attrs.out == 10


USER = """archdsl: 1
name: mine
use: [{target}]
params: {{block: basic, groups: 1, width_per_group: 64}}
inputs: {{x: [64, 8, 8]}}
graph:
  - layer1: {{block: stage, with: {{planes: 16, blocks: 2}}}}
"""


@pytest.mark.parametrize("target", ["blocks/resnet.yaml", "blocks/resnet", "resnet"])
def test_a_spec_anywhere_uses_the_library_blocks(write_spec: Callable[..., Path], target: str) -> None:
    """An installed package's `specs/blocks/` serve specs outside the repository, as README's example does."""
    model = archdsl.load(write_spec(USER.format(target=target)))
    assert "layer1.1.conv2" in model.graph.nodes


def test_a_path_that_climbs_out_is_refused_not_looked_up_in_the_library(write_spec: Callable[..., Path]) -> None:
    """Out of the spec's folder is out of reach (docs/errors-and-limits.md, "What a spec may read"),
    whether or not the file exists, and the library is not searched for it instead."""
    with pytest.raises(SpecError, match=r"`extends` target '\.\./resnet18.yaml' resolves to .*, outside the folders"):
        archdsl.load(write_spec(CHILD.format(target="../resnet18.yaml")))


def test_a_single_string_allows_that_folder_only(tmp_path: Path, write_spec: Callable[..., Path]) -> None:
    """`allow_outside="/x"` must not be read as the folders "/", "x" (which would allow everything)."""
    child = write_spec(CHILD.format(target="/etc/hostname"), "variants/child.yaml")
    with pytest.raises(SpecError, match="outside the folders a spec may read"):
        archdsl.load(child, allow_outside=str(tmp_path / "elsewhere"))


def test_allow_outside_lets_a_spec_extend_a_parent_folder(tmp_path: Path, write_spec: Callable[..., Path]) -> None:
    write_spec(TINY, "parent.yaml")
    child = write_spec(CHILD.format(target="../parent.yaml"), "variants/child.yaml")
    with pytest.raises(SpecError, match="outside the folders a spec may read"):
        archdsl.load(child)
    model = archdsl.load(child, allow_outside=[tmp_path])
    assert [node.op for node in model.graph.nodes.values()] == ["input", "flatten", "linear"]
    model = archdsl.load(child, allow_outside=str(tmp_path))  # one folder, not the characters of its name
    assert [node.op for node in model.graph.nodes.values()] == ["input", "flatten", "linear"]


@pytest.mark.parametrize(("target", "hint"), [
    ("resnet5", "did you mean 'resnet50'?"),
    ("sibling_spek.yaml", "did you mean 'sibling_spec.yaml'?"),
    ("resnet5.yaml", "did you mean 'resnet50.yaml'?"),  # the library's, which that name would find
    ("qqqqq.yaml", None),  # 'syn.yaml' shares only the suffix: no hint
    ("zzzz", None),
])
def test_a_missing_target_hints_only_at_close_names(write_spec: Callable[..., Path], target: str, hint: Any) -> None:
    write_spec(TINY, "syn.yaml")
    write_spec(TINY, "sibling_spec.yaml")
    with pytest.raises(SpecError, match=f"file '{target}' not found") as caught:
        archdsl.load(write_spec(CHILD.format(target=target)))
    assert caught.value.hint == hint


def test_a_variant_with_a_misspelt_param_is_an_error(write_spec: Callable[..., Path]) -> None:
    with pytest.raises(ArchdslError) as caught:
        archdsl.load(write_spec("archdsl: 1\nextends: resnet50\nparams: {layer: [3, 4, 23, 3]}\n"))
    text = caught.value.format()
    assert "3:10: error: the spec this one extends has no param 'layer'" in text and "did you mean 'layers'?" in text


def test_a_variant_without_a_name_is_named_by_its_file(write_spec: Callable[..., Path]) -> None:
    """As the guide says (the default output files take the name: my_resnet.onnx, not resnet50.onnx)."""
    assert archdsl.load(write_spec("archdsl: 1\nextends: resnet50\n", "my_resnet.yaml")).graph.name == "my_resnet"
