"""Depth, --expand and ×N merging, checked against what the architectures are known to be."""

from __future__ import annotations

import pytest

from archdsl.backends.graphviz import plan, to_dot
from archdsl.errors import BackendError


def merged(model, **options) -> dict[str, tuple[str, ...]]:
    """Collapsed boxes: id → the scopes each draws."""
    _, view = plan(model, **options)
    return {box.id: box.scopes for box in view.boxes.values() if box.scopes}


def test_depth_0_draws_top_level_nodes_and_one_box_per_stage(library_model) -> None:
    _, view = plan(library_model("resnet50"), depth=0)
    assert list(view.boxes) == ["x", "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
                                "avgpool", "flatten", "fc"]
    assert view.clusters == ()
    crossing = {(e.source, e.target): e.ref.node for e in view.edges}
    # the tensor crossing each stage boundary is the stage's last relu (ResNet-50: 3, 4, 6, 3 blocks)
    assert crossing[("layer1", "layer2")] == "layer1.2.relu3"
    assert crossing[("layer3", "layer4")] == "layer3.5.relu3"
    assert crossing[("layer4", "avgpool")] == "layer4.2.relu3"


def test_depth_1_keeps_the_first_block_of_each_stage_apart(library_model) -> None:
    boxes = merged(library_model("resnet50"), depth=1)
    assert boxes == {
        "layer1.0": ("layer1.0",), "layer1.1": ("layer1.1", "layer1.2"),
        "layer2.0": ("layer2.0",), "layer2.1": ("layer2.1", "layer2.2", "layer2.3"),
        "layer3.0": ("layer3.0",), "layer3.1": tuple(f"layer3.{i}" for i in range(1, 6)),
        "layer4.0": ("layer4.0",), "layer4.1": ("layer4.1", "layer4.2"),
    }


def test_resnet18_first_block_without_projection_merges_with_the_rest(library_model) -> None:
    # layer1 of ResNet-18: 64 → 64 channels, stride 1, so no downsample: both blocks alike
    boxes = merged(library_model("resnet18"), depth=1)
    assert boxes["layer1.0"] == ("layer1.0", "layer1.1")
    assert boxes["layer2.0"] == ("layer2.0",) and boxes["layer2.1"] == ("layer2.1",)


def test_dense_layers_merge_although_their_input_widths_differ(library_model) -> None:
    boxes = merged(library_model("densenet121"), depth=2)
    runs = {box: len(scopes) for box, scopes in boxes.items() if "denselayer" in box}
    assert list(runs.values()) == [6, 12, 24, 16]


def test_merge_off_draws_every_instance(library_model) -> None:
    assert len(merged(library_model("resnet50"), depth=1, merge=False)) == 16


def test_no_merge_across_a_branch_or_different_params(library_model) -> None:
    # aux1 reads inception4a, so 4a and 4b are not a plain chain; conv2 and conv3 differ in params
    boxes = merged(library_model("googlenet"), depth=0)
    assert all(len(scopes) == 1 for scopes in boxes.values())
    assert {"inception4a", "inception4b", "conv2", "conv3", "aux1", "aux2"} <= set(boxes)


def test_expand_opens_one_scope_whatever_the_depth(library_model) -> None:
    scopes, view = plan(library_model("resnet50"), depth=0, expand=["layer3.1"])
    assert view.clusters == ("layer3", "layer3.1")
    assert view.owner["layer3.1.conv2"] == "layer3.1.conv2"
    assert view.owner["layer3.0.conv2"] == "layer3.0"
    assert view.boxes["layer3.2"].scopes == ("layer3.2", "layer3.3", "layer3.4", "layer3.5")
    assert view.owner["layer2.0.conv1"] == "layer2"


def test_expand_opens_the_whole_subtree(library_model) -> None:
    _, view = plan(library_model("googlenet"), depth=0, expand=["inception3a"])
    assert view.owner["inception3a.branch2.1.conv"] == "inception3a.branch2.1.conv"
    assert "inception3a.branch2.1" in view.clusters


@pytest.mark.parametrize(("name", "message", "hint"), [
    ("layer5", "no such block scope", "did you mean 'layer4'?"),
    ("layer1.0.conv1", "it is a node, not a block scope", "expand its block 'layer1.0'"),
    ("fc", "it is a node, not a block scope", "top-level nodes are always drawn"),
])
def test_unknown_scope_is_a_located_error(library_model, name: str, message: str, hint: str) -> None:
    with pytest.raises(BackendError) as caught:
        to_dot(library_model("resnet50"), expand=[name])
    assert message in caught.value.message and caught.value.hint == hint
    assert caught.value.span is not None and caught.value.span.file.endswith("resnet50.yaml")


@pytest.mark.parametrize(("options", "message"), [
    ({"depth": -1}, "depth must be a non-negative integer"),
    ({"rankdir": "BT"}, "rankdir must be one of TB, LR"),
    ({"show": "rf,flops"}, "cannot show 'flops'"),
    ({"colour": "red"}, "unknown graphviz option 'colour'"),
])
def test_bad_options_are_errors(tiny, options, message: str) -> None:
    with pytest.raises(BackendError, match=message):
        tiny.lower("graphviz", **options)


def test_train_only_paths_are_dashed(library_model) -> None:
    dot = to_dot(library_model("googlenet"), depth=0)
    lines = dot.splitlines()
    assert any(line.strip().startswith("inception4a -> aux1") and "style=dashed" in line for line in lines)
    assert any(line.strip().startswith("inception4a -> inception4b") and "dashed" not in line for line in lines)
    assert any(line.strip().startswith('"output/aux1" [') and "dashed" in line for line in lines)
    assert any(line.strip().startswith('"output/logits" [') and "dashed" not in line for line in lines)
