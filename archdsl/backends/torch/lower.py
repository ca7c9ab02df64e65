"""IR → torch.fx.Graph → GraphModule.

Every node is lowered by its rule from `archdsl.backends.torch.table`, in the spec's
order, so modules are registered (and `state_dict` keys ordered) as the spec
lists them. The fx graph is then put in schedule order (train-only tail last,
see `schedule.py`) and compiled to straight-line Python.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import fx, nn

from archdsl.backends.torch.codegen import ModeCodeGen, PathCodeGen, path_rewrites
from archdsl.backends.torch.construct import construct, seeded
from archdsl.backends.torch.names import argument_name, value_name
from archdsl.backends.torch.rules import entry_for
from archdsl.backends.torch.runtime import train_or_eval
from archdsl.backends.torch.schedule import Schedule, make_schedule
from archdsl.backends.torch.table import Entry, Make
from archdsl.backends.torch.weights import check_weights
from archdsl.errors import BackendError
from archdsl.ir.graph import Graph, Node, Ref
from archdsl.lowering import Lowering
from archdsl.ops import OPS
from archdsl.tensors import TensorType


@dataclass
class Lowered:
    """What lowering produced besides the GraphModule (the standalone source reads it)."""

    schedule: Schedule
    makes: dict[str, Make] = field(default_factory=dict)
    """Module-backed nodes in spec order, with how each module is constructed."""


class _Site:
    """The `Site` a rule receives for one node (see archdsl.backends.torch.table.Site)."""

    def __init__(self, builder: Builder, node: Node, in_place: bool) -> None:
        self.builder = builder
        self.node = node
        self.inputs: list[TensorType] = builder.ir.input_types(node)
        self.outputs: list[TensorType] = list(builder.ir.types[node.name])
        self.in_place = in_place

    @property
    def attrs(self) -> Any:
        return self.node.attrs

    def add(self, op: str, target: Any, args: tuple, kwargs: dict[str, Any], suffix: str) -> fx.Node:
        name = f"{self.node.name}_{suffix}" if suffix else self.node.name
        created = self.builder.fx.create_node(op, target, args, kwargs, name=value_name(name))
        self.builder.owned.setdefault(self.node.name, []).append(created)
        return created

    def module(self, make: Make, *args: fx.Node) -> fx.Node:
        self.builder.register(self.node, make)
        return self.add("call_module", self.node.name, args, {}, "")

    def call(self, fn: Callable[..., Any], *args: Any, suffix: str = "", **kwargs: Any) -> fx.Node:
        return self.add("call_function", fn, args, kwargs, suffix)

    def method(self, name: str, *args: Any, suffix: str = "", **kwargs: Any) -> fx.Node:
        return self.add("call_method", name, args, kwargs, suffix)

    def placeholder(self) -> fx.Node:
        return self.add("placeholder", argument_name(self.node.name), (), {}, "")


class Builder:
    """Lowers one Graph; `build()` returns the GraphModule."""

    def __init__(self, lowering: Lowering) -> None:
        self.lowering = lowering
        self.ir: Graph = lowering.graph
        self.schedule = make_schedule(self.ir)
        self.fx = fx.Graph()
        self.root = nn.Module()
        self.lowered = Lowered(self.schedule)
        self.results: dict[str, tuple[fx.Node, Entry]] = {}
        self.ports: dict[Ref, fx.Node] = {}
        self.owned: dict[str, list[fx.Node]] = {}
        self.rewrites: dict[str, str] = {}
        """Submodule calls torch.fx would write wrongly → how they are written (codegen.path_rewrites)."""

    def build(self) -> fx.GraphModule:
        for node in self.ir:
            self.lower(node)
        output = self.fx.output(self.structure(self.ir.outputs))
        self.rewrites = path_rewrites(list(self.lowered.makes))
        self.fx.set_codegen(PathCodeGen(self.rewrites))
        # Made before the dead nodes go: GraphModule copies only the modules its graph calls,
        # and a dead node's weights still belong in the state_dict, in the spec's order.
        module = fx.GraphModule(self.root, self.fx, class_name=self.ir.name)
        for name in reversed(self.ir.nodes):  # consumers before producers: each is unused when erased
            if name in self.schedule.dead:
                for fx_node in reversed(self.owned.get(name, [])):
                    self.fx.erase_node(fx_node)
        if self.schedule.train_only:
            self.split_modes(output)
        if self.schedule.train_only or self.schedule.dead:
            module.recompile()
        return module

    def lower(self, node: Node) -> None:
        entry = entry_for(node)
        site = _Site(self, node, node.name in self.schedule.in_place)
        args = [self.value(ref) for ref in node.inputs]
        try:
            result = entry.rule(site, args)  # type: ignore[arg-type]
        except (TypeError, ValueError, RuntimeError) as exc:
            raise BackendError(f"torch lowering of '{node.op}' failed: {exc}", node.span, node.name) from exc
        self.results[node.name] = (result, entry)

    def value(self, ref: Ref) -> fx.Node:
        """The fx value of one output port (getitem nodes made on first use)."""
        result, entry = self.results[ref.node]
        if len(self.ir.types[ref.node]) == 1:
            return result
        if ref not in self.ports:
            node = self.ir.nodes[ref.node]
            name = f"{result.name}_{OPS[node.op].output_names(node.attrs)[ref.port]}"
            path = entry.port_path(ref.port)
            for depth, index in enumerate(path):
                step = name if depth == len(path) - 1 else f"{name}_{depth}"
                result = self.fx.create_node("call_function", operator.getitem, (result, index), name=step)
                # Owned by the producer: a train-only producer's ports move with it.
                self.owned.setdefault(ref.node, []).append(result)
            self.ports[ref] = result
        return self.ports[ref]

    def register(self, node: Node, make: Make) -> None:
        """Construct the node's module (initialised by the spec) under its dotted name."""
        parent = self.root
        *prefix, leaf = node.name.split(".")
        for part in prefix:
            child = parent._modules.get(part)
            if child is None:
                _check_free(parent, part, node)
                child = nn.Module()
                parent.add_module(part, child)
            parent = child
        _check_free(parent, leaf, node)
        expected = OPS[node.op].weights(node.attrs, self.ir.input_types(node))
        module = construct(make, self.lowering.init.get(node.name, {}), expected)
        check_weights(node, module, expected)
        parent.add_module(leaf, module)
        self.lowered.makes[node.name] = make

    def structure(self, outputs: dict[str, Any]) -> Any:
        """One output: the tensor; several: a dict by output name, in the spec's order."""
        values = [self.value(o.ref) for o in outputs.values()]
        return values[0] if len(values) == 1 else dict(zip(outputs, values, strict=True))

    def split_modes(self, output: fx.Node) -> None:
        """Move train-only nodes last; select the result by mode (see codegen.py)."""
        tail = [n for name in self.ir.nodes if name in self.schedule.train_only for n in self.owned.get(name, [])]
        for fx_node in tail:
            output.prepend(fx_node)
        evals = self.structure({name: o for name, o in self.ir.outputs.items() if not o.train_only})
        trains = output.args[0]
        with self.fx.inserting_before(output):
            training = self.fx.create_node("get_attr", "training", name="training")
            chosen = self.fx.create_node("call_function", train_or_eval, (training, evals, trains), name="outputs")
        output.args = (chosen,)
        self.fx.set_codegen(ModeCodeGen(self.rewrites, tail[0].name, repr(evals), training.name, chosen.name, repr(trains)))


def _check_free(parent: nn.Module, name: str, node: Node) -> None:
    if name not in parent._modules and hasattr(parent, name):
        raise BackendError(
            f"the name '{name}' in '{node.name}' clashes with the torch.nn.Module attribute '{name}'",
            node.span, node.name, hint="rename the node or its enclosing block instance",
        )


def lower(lowering: Lowering, seed: int | None = None, device: str = "cpu") -> fx.GraphModule:
    """The spec as a `torch.fx.GraphModule`, initialised by its `init:` rules, on `device`."""
    module, _ = lower_with_info(lowering, seed=seed, device=device)
    return module


def lower_with_info(lowering: Lowering, seed: int | None = None, device: str = "cpu") -> tuple[fx.GraphModule, Lowered]:
    """`lower`, plus what the standalone source and the build summary need."""
    target = resolve_device(device)
    builder = Builder(lowering)
    with seeded(seed):
        module = builder.build()
    dtype = _float_input_dtype(lowering.graph)
    if dtype is not None and dtype != torch.float32:
        module.to(dtype)
    module.meta["archdsl"] = {"spec": lowering.spec.name, "file": lowering.spec.file, "seed": seed, "device": str(target)}
    return module.to(target), builder.lowered


def device_of(module: fx.GraphModule) -> torch.device:
    """The device a built module was put on (also for a model without parameters)."""
    return torch.device(module.meta.get("archdsl", {}).get("device", "cpu"))


def resolve_device(device: str | torch.device) -> torch.device:
    """A torch device; 'auto' picks CUDA when present; CUDA without a GPU is a BackendError."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        target = torch.device(device)
    except RuntimeError:
        raise BackendError(f"unknown device '{device}'", hint="use cpu, cuda, cuda:N or auto") from None
    if target.type == "cuda" and not torch.cuda.is_available():
        raise BackendError("--device cuda: no CUDA device is available here", hint="use --device cpu (or auto)")
    if target.type == "cuda" and target.index is not None and target.index >= torch.cuda.device_count():
        raise BackendError(f"there is no {target}: {torch.cuda.device_count()} CUDA device(s) here",
                           hint=f"use cuda:0 ... cuda:{torch.cuda.device_count() - 1}")
    if target.type not in ("cpu", "cuda"):
        raise BackendError(f"device '{device}' is not supported", hint="use cpu, cuda, cuda:N or auto")
    return target


def _float_input_dtype(graph: Graph) -> torch.dtype | None:
    """The floating dtype of the graph's inputs when they agree on one (weights follow it)."""
    found = {t.dtype for t in graph.inputs.values() if t.dtype.startswith(("float", "bfloat"))}
    return getattr(torch, found.pop()) if len(found) == 1 else None
