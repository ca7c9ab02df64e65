"""Train/eval behaviour, the output convention, in-place decisions and seeding."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torchvision

from archdsl.backends.torch.cli import describe
from archdsl.backends.torch.lower import lower_with_info

HEADS = """\
  - conv: {op: conv2d, out: 4, kernel: 3, padding: 1}
  - bn: {op: batchnorm2d}
  - relu: {op: relu, inplace: true}
  - pool: {op: adaptive_avgpool2d, size: 1}
  - flatten: {op: flatten}
  - drop: {op: dropout, p: 0.5}
  - fc: {op: linear, out: 3}
  - aux: {op: linear, from: flatten, out: 2}
"""


def test_dropout_and_batchnorm_follow_the_mode(build: Any, spec_text: Any) -> None:
    module = build(spec_text(HEADS, outputs="[fc]"))
    x = torch.randn(8, 6, 5, 5)
    module.train()
    first, second = module(x), module(x)
    assert not torch.equal(first, second)  # dropout draws new masks
    assert module.bn.num_batches_tracked.item() == 2 and module.bn.running_mean.abs().sum() > 0
    module.eval()
    with torch.no_grad():
        assert torch.equal(module(x), module(x))
        normalised = (module.conv(x) - module.bn.running_mean[:, None, None]) / torch.sqrt(module.bn.running_var[:, None, None] + 1e-5)
        expected = module.fc(torch.relu(normalised * module.bn.weight[:, None, None] + module.bn.bias[:, None, None]).mean((2, 3)))
        torch.testing.assert_close(module(x), expected)


def test_train_only_outputs_are_returned_and_computed_in_training_only(build: Any, spec_text: Any) -> None:
    module = build(spec_text(HEADS, outputs="[{logits: fc}, {aux: {from: aux, train_only: true}}]"))
    calls: list[str] = []
    module.aux.register_forward_hook(lambda *_: calls.append("aux"))
    x = torch.randn(2, 6, 5, 5)
    module.eval()
    assert isinstance(module(x), torch.Tensor) and calls == []
    module.train()
    out = module(x)
    assert list(out) == ["logits", "aux"] and out["aux"].shape == (2, 2) and calls == ["aux"]
    assert "if not self.training:\n        return fc" in module.code


def test_several_outputs_are_a_dict_in_the_spec_order(build: Any, spec_text: Any) -> None:
    module = build(spec_text(HEADS, outputs="[{second: aux}, {first: fc}]"))
    out = module.eval()(torch.randn(2, 6, 5, 5))
    assert list(out) == ["second", "first"] and out["first"].shape == (2, 3)


def test_drop_path_matches_torchvision_stochastic_depth(build: Any, spec_text: Any) -> None:
    for mode in ("row", "batch"):
        module = build(spec_text(f"  - dp: {{op: drop_path, p: 0.4, mode: {mode}}}")).train()
        reference = torchvision.ops.StochasticDepth(0.4, mode).train()
        x = torch.randn(16, 6, 5, 5)
        torch.manual_seed(3)
        ours = module(x)
        torch.manual_seed(3)
        torch.testing.assert_close(ours, reference(x), rtol=0, atol=0)
        assert torch.equal(module.eval()(x), x)


def test_mean_with_local_drop_path_averages_a_nonempty_subset_per_sample(build: Any, spec_text: Any) -> None:
    """FractalNet's join (Larsson et al. 2017, §3.1): each sample averages the inputs it kept,
    at least one; eval is the plain mean."""
    graph = """\
  - a: {op: identity}
  - b: {op: mul, from: [x, x]}
  - c: {op: add, from: [x, x]}
  - join: {op: mean, from: [a, b, c], drop_path: DROP}
"""
    x = torch.randn(4000, 1, 1, 1).abs() + 1  # inputs x, x², 2x differ in every sample
    branches = torch.stack([x, x * x, 2 * x])
    subsets = [(m, branches[[i for i in range(3) if m >> i & 1]].mean(0)) for m in range(1, 8)]
    for p in (0.0, 0.5, 0.999):
        module = build(spec_text(graph.replace("DROP", str(p))))
        torch.testing.assert_close(module.eval()(x), branches.mean(0))
        torch.manual_seed(0)
        out = module.train()(x)
        masks = torch.stack([torch.isclose(out, value).flatten() for _, value in subsets])
        assert masks.any(0).all()  # every sample is the mean of some non-empty subset
        sizes = torch.tensor([bin(m).count("1") for m, _ in subsets], dtype=torch.float)
        kept = (masks.float() * sizes[:, None]).max(0).values
        if p == 0.0:
            assert (kept == 3).all()
        elif p > 0.99:
            assert kept.mean().item() < 1.01  # nearly everything dropped: one input rescued per sample
        else:  # expected inputs kept: 3·0.5 plus the rescue when all three fall (1/8 of samples)
            assert abs(kept.mean().item() - (1.5 + 0.125)) < 0.08


def test_inplace_is_honoured_only_where_nobody_can_tell(load_text: Any, spec_text: Any) -> None:
    text = spec_text("""\
  - conv: {op: conv2d, out: 6, kernel: 1}
  - a: {op: relu, inplace: true}
  - b: {op: add, from: [conv, conv]}
  - c: {op: relu, from: b, inplace: true}
  - d: {op: sigmoid, from: c}
  - e: {op: relu, from: d, inplace: true}
  - f: {op: add, from: [a, e]}
  - g: {op: relu, from: x, inplace: true}
""", outputs="[f, g]")
    module, lowered = lower_with_info(load_text(text).lowering, seed=0)
    assert lowered.schedule.in_place == {"c"}
    # a: conv is read again by b; e: sigmoid keeps its result for backward; g: x is a graph input.
    assert set(lowered.schedule.out_of_place) == {"a", "e", "g"}
    assert "`inplace` not honoured for a, e, g" in describe(module, lowered, 0, 0.1)
    x = torch.randn(2, 6, 5, 5, requires_grad=True)
    kept = x.detach().clone()
    out = module(x)
    conv = module.conv(kept)
    torch.testing.assert_close(out["f"], torch.relu(conv) + torch.sigmoid(torch.relu(2 * conv)))
    assert torch.equal(x.detach(), kept)
    (out["f"].sum() + out["g"].sum()).backward()  # autograd finds nothing overwritten
    assert x.grad is not None


def test_seed_makes_builds_reproducible_and_leaves_the_global_rng_alone(load_text: Any, spec_text: Any) -> None:
    model = load_text(spec_text(HEADS, outputs="[fc]"))
    state = torch.random.get_rng_state()
    first, again, other = (model.to_torch(seed=s).state_dict() for s in (7, 7, 8))
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert not torch.equal(first["conv.weight"], other["conv.weight"])


def test_float64_inputs_give_float64_weights(build: Any, spec_text: Any) -> None:
    module = build(spec_text("  - fc: {op: linear, out: 3}", inputs="{x: {shape: [4], dtype: float64}}"))
    assert module.fc.weight.dtype == torch.float64
    assert module(torch.randn(2, 4, dtype=torch.float64)).dtype == torch.float64


@pytest.mark.parametrize("name, message", [
    ("train", "clashes with the torch.nn.Module attribute"),
    ("forward", "clashes with the torch.nn.Module attribute"),
    ("state_dict", "clashes with the torch.nn.Module attribute"),
])
def test_module_names_torch_cannot_take_are_errors(name: str, message: str, load_text: Any, spec_text: Any) -> None:
    from archdsl.errors import BackendError

    model = load_text(spec_text(f"  - {name}: {{op: linear, out: 3}}\n  - import: {{op: relu}}", inputs="{x: [4]}"))
    with pytest.raises(BackendError, match=message) as caught:
        model.to_torch()
    assert f"[{name}]" in caught.value.format() and ":5:" in caught.value.format()


def test_keyword_module_names_keep_their_state_dict_keys(load_text: Any, spec_text: Any) -> None:
    model = load_text(spec_text("  - lambda: {op: linear, out: 3}\n  - import: {op: relu}", inputs="{x: [4]}"))
    module = model.to_torch()
    assert list(module.state_dict()) == ["lambda.weight", "lambda.bias"]
    assert 'getattr(self, "lambda")' in module.code
    x = torch.randn(2, 4)
    assert torch.equal(module(x), torch.relu(getattr(module, "lambda")(x)))


def test_cuda_without_a_gpu_is_an_error(load_text: Any, spec_text: Any) -> None:
    from archdsl.errors import BackendError

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(BackendError, match="no CUDA device"):
        load_text(spec_text("  - fc: {op: linear, out: 3}", inputs="{x: [4]}")).to_torch(device="cuda")


def test_residual_add_writes_into_its_first_input_and_gradients_stay_right(load_text: Any, spec_text: Any) -> None:
    text = spec_text("""\
  - conv: {op: conv2d, out: 6, kernel: 3, padding: 1, bias: false}
  - bn: {op: batchnorm2d}
  - add: {op: add, from: [bn, x]}
  - relu: {op: relu, inplace: true}
""")
    module, lowered = lower_with_info(load_text(text).lowering, seed=0)
    assert lowered.schedule.in_place == {"add", "relu"}
    assert "bn += x" in module.code
    x = torch.randn(2, 6, 5, 5, requires_grad=True)
    out = module(x)
    out.square().sum().backward()
    ours = (x.grad.clone(), module.conv.weight.grad.clone())
    x.grad = None
    module.zero_grad()
    reference = torch.relu(module.bn(module.conv(x)) + x)
    reference.square().sum().backward()
    torch.testing.assert_close(out, reference)
    torch.testing.assert_close(ours, (x.grad, module.conv.weight.grad))


@pytest.mark.parametrize(("graph", "inputs", "reference"), [
    ("""\
  - c: {op: conv2d, out: 1, kernel: 1}
  - a: {op: crop, size: [11, 11], offset: [1, 1]}
  - b: {op: crop, from: c, size: [11, 11], offset: [0, 0]}
  - s: {op: add, from: [a, b]}
""", "{x: [1, 12, 12]}", lambda m, x: (lambda c: c[:, :, 1:, 1:] + c[:, :, :11, :11])(m.c(x))),
    ("""\
  - c: {op: linear, out: 4}
  - p: {op: permute, dims: [0, 2, 1]}
  - s: {op: add, from: [c, p]}
""", "{x: [4, 4]}", lambda m, x: (lambda c: c + c.permute(0, 2, 1))(m.c(x))),
])
def test_add_never_writes_into_a_tensor_its_other_input_views(graph: str, inputs: str, reference: Any,
                                                              load_text: Any, spec_text: Any) -> None:
    """Both inputs view one storage: `a += b` would read what it has just overwritten."""
    module, lowered = lower_with_info(load_text(spec_text(graph, inputs=inputs)).lowering, seed=0)
    assert "s" not in lowered.schedule.in_place
    x = torch.randn(2, *(int(d) for d in inputs.strip("{}x: []").split(", ")))
    with torch.no_grad():
        torch.testing.assert_close(module(x), reference(module, x))


def test_a_node_no_output_reads_keeps_its_weights_and_never_runs(load_text: Any, spec_text: Any) -> None:
    """As the analysis counts it (no MACs) and the ONNX export drops it; lint warns about it."""
    from torch.utils.flop_counter import FlopCounterMode

    model = load_text(spec_text("""\
  - side: {op: conv2d, out: 8, kernel: 3}
  - main: {op: conv2d, from: x, out: 4, kernel: 1}
""", inputs="{x: [3, 16, 16]}"))
    module = model.to_torch().eval()
    assert list(module.state_dict()) == ["side.weight", "side.bias", "main.weight", "main.bias"]
    with FlopCounterMode(display=False) as counter:
        module(torch.randn(1, 3, 16, 16))
    assert counter.get_total_flops() // 2 == model.analyze().totals.macs == 4 * 16 * 16 * 3
    assert "side" not in model.analyze().train_only  # not a train-only head: it never runs
