"""Every library spec: onnxruntime's outputs equal the torch backend's on the same weights,
at batch 1 and batch 3 from one session (dynamic batch), with and without the inference
rewrites; the model's graph passes onnx.checker (full check) and ONNX's shape inference
agrees with archdsl's shape of every value. A spec with a `torchvision:` counterpart is also
compared with torchvision's model on the same weights (loaded strictly) and inputs, in the same
sessions. A new spec joins by itself.

Cost is in the weights (VGG holds half a gigabyte), so: image nets run at a third of their
input size where the spec allows it (adaptive pooling keeps the parameters), one torch
reference serves both modes, and the checker and shape inference read the graph without
the weights' bytes (onnxruntime loads the real bytes and checks their sizes; the per-op
tests run the checker on whole models).
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torchvision

import archdsl
from archdsl.backends.onnx.checks import check, shape_mismatches
from archdsl.backends.torch.examples import example_inputs
from archdsl.spec.library import library_names

BATCHES = (1, 3)


@pytest.mark.parametrize("name", library_names())
def test_onnxruntime_matches_the_torch_backend_and_torchvision(name: str, helpers: Any) -> None:
    model = helpers.small(name)
    module = model.to_torch(seed=0)
    weights = helpers.lively_weights(module)
    # In eval mode every sample is computed on its own: batch 1's reference is batch 3's first row.
    three = example_inputs(model.graph, batch=3)
    feeds = {3: three, 1: {k: v[:1] for k, v in three.items()}}
    refs = {"torch": helpers.torch_outputs(module, model.graph, three)}
    if model.spec.torchvision is not None:
        refs["torchvision"] = torchvision_outputs(model, weights, three)
    for optimize in (True, False):
        proto = model.to_onnx(weights=weights, optimize=optimize)
        bare = helpers.skeleton(proto)
        check(bare)
        sess = helpers.session(proto)
        for batch in BATCHES:
            outputs = helpers.run(sess, feeds[batch])
            for source, ref in refs.items():
                compared = [o for o in ref if o in outputs]  # FCN's train-only aux: only without rewrites
                for output in compared:
                    what = f"{name} vs {source} optimize={optimize} batch={batch} {output}"
                    helpers.assert_close(outputs[output], ref[output][:batch], what)
        evals = [n for n, o in model.graph.outputs.items() if not o.train_only]
        if not optimize:
            assert shape_mismatches(bare, model.graph) == []
            assert [o.name for o in proto.graph.output] == list(model.graph.outputs)
        else:
            assert [o.name for o in proto.graph.output] == evals


def torchvision_outputs(model: archdsl.Model, weights: dict[str, torch.Tensor],
                        feeds: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """torchvision's eval outputs, by our output names, with `weights` loaded strictly: built on the
    meta device (no initialisation to pay for), the tensors assigned, so both nets share them.
    Every eval output is among them; FCN adds its auxiliary head, which our spec marks train-only."""
    ref = model.spec.torchvision
    assert ref is not None
    with torch.device("meta"):
        theirs = torchvision.models.get_model(ref.model, **ref.kwargs)
    theirs.load_state_dict(weights, strict=True, assign=True)
    with torch.no_grad():
        result = theirs.eval()(*feeds.values())
    evals = [n for n, o in model.graph.outputs.items() if not o.train_only]
    found = dict(result) if isinstance(result, dict) else {evals[0]: result}
    assert set(evals) <= set(found) <= set(model.graph.outputs)
    return found


def test_shape_inference_agrees_is_not_vacuous(helpers: Any) -> None:
    """The agreement check compares real values: a model with a wrong declared output fails it."""
    model = helpers.small("resnet18")
    proto = model.to_onnx(optimize=False)
    proto.graph.output[0].type.tensor_type.shape.dim[1].dim_value = 7
    with pytest.raises(Exception, match="fc"):
        check(proto)
    assert torch.__version__
