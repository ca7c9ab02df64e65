"""The initialisation plan: which initializer each parameter gets from the spec's `init:` rules.

A rule picks nodes by op and/or by a glob on the dotted node name and sets
parameters by name (or glob) to an initializer. A rule by op alone may pick
nothing (a variant without that op); a `match` glob that picks nothing, or a
parameter name no picked node has, is an error (a typo, most likely). Rules apply in order, later
ones overriding earlier ones; a rule whose `when:` is false is skipped.
Parameters that no rule sets, or that a later rule sets to `default`, keep
their op's default initialisation (the framework's own). Buffers (BatchNorm's
running statistics) are never set by rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

from archdsl.errors import ArchdslError, ErrorGroup, SpecError, did_you_mean
from archdsl.expansion.params import SpecParams, bind_params
from archdsl.ir.graph import Graph, Node
from archdsl.limits import Limits
from archdsl.ops import OPS, Op, OpAttrs, Weight, get_op
from archdsl.spec.expr import resolve
from archdsl.spec.init import DEFAULT, FAN_BASED, Initializer, parse_initializer
from archdsl.spec.loader import InitRule, Source, Spec
from archdsl.tensors import TensorType

InitPlan = dict[str, dict[str, Initializer]]
"""Node name → parameter name → initializer, for the parameters rules set (schedule order)."""

RULE_KEYS = ("op", "match", "when")


def plan_init(spec: Spec, graph: Graph, params: Mapping[str, Any], limits: Limits) -> InitPlan:
    """Resolve the spec's `init:` rules against the expanded graph; located errors for bad rules."""
    if not spec.init:
        return {}
    values = bind_params(SpecParams(spec, limits), dict(params), {})
    weights = {node.name: trainable(node, graph) for node in graph}
    chosen: dict[tuple[str, str], Initializer] = {}
    errors: list[ArchdslError] = []
    for rule in spec.init:
        try:
            _apply(rule, graph, weights, values, limits, chosen)
        except ArchdslError as error:
            errors.append(error)
    if errors:
        raise ErrorGroup(errors)
    plan: InitPlan = {}
    for node in graph:
        for name in weights[node.name]:
            init = chosen.get((node.name, name))
            if init is not None and init != DEFAULT:
                plan.setdefault(node.name, {})[name] = init
    return plan


def trainable(node: Node, graph: Graph) -> dict[str, Weight]:
    """The learnable parameters of a node (rules set these, never buffers)."""
    if type(OPS[node.op]).weights is Op.weights:  # an op without weights (activations, merges)
        return {}
    return _trainable(node.op, node.attrs, tuple(graph.input_types(node)))


@lru_cache(maxsize=8192)
def _trainable(op: str, attrs: OpAttrs, inputs: tuple[TensorType, ...]) -> dict[str, Weight]:
    """Weights depend only on the op, its attributes and input types: repeated blocks share them."""
    return {name: w for name, w in OPS[op].weights(attrs, inputs).items() if w.trainable}


def _apply(
    rule: InitRule, graph: Graph, weights: dict[str, dict[str, Weight]],
    values: dict[str, Any], limits: Limits, chosen: dict[tuple[str, str], Initializer],
) -> None:
    decl, source = rule.decl, rule.source
    if not _condition(decl.when, values, limits, source.at("when")):
        return
    nodes = _picked(rule, graph, weights)
    for key, text in decl.tensors.items():
        where = source.at(key)
        try:
            init = parse_initializer(resolve(text, values, limits))
        except ArchdslError as error:
            raise error.located(where.span) from None
        literal = not any(c in key for c in "*?[")
        hits = [(node, name) for node in nodes for name in weights[node.name]
                if (name == key if literal else fnmatchcase(name, key))]
        if nodes and not hits:
            names = sorted({name for node in nodes for name in weights[node.name]})
            raise SpecError(f"no node this rule picks has a parameter '{key}'", where.span,
                            hint=did_you_mean(key, [*names, *RULE_KEYS]) or f"their parameters: {', '.join(names)}")
        for node, name in hits:
            _check_fits(init, node, name, weights[node.name][name], where)
            chosen[(node.name, name)] = init


def _picked(rule: InitRule, graph: Graph, weights: dict[str, dict[str, Weight]]) -> list[Node]:
    """The nodes with parameters that the rule's `op` and `match` select."""
    decl, source = rule.decl, rule.source
    ops = _names(decl.op)
    for op in ops:
        try:
            get_op(op)
        except SpecError as error:
            raise error.located(source.at("op").span) from None
    globs = _names(decl.match)
    nodes = [
        node for node in graph
        if weights[node.name]
        and (not ops or node.op in ops)
        and (not globs or any(fnmatchcase(node.name, glob) for glob in globs))
    ]
    if not nodes and globs:
        # A rule by op alone may find none (a family spec whose variant has no BN); a glob that
        # matches nothing is a mistake.
        raise SpecError(f"init rule: match {', '.join(globs)} picks no node with parameters"
                        + (f" among op {', '.join(ops)}" if ops else ""), source.at("match").span,
                        hint="globs match whole dotted names, e.g. 'layer*.*.bn3'; gate optional rules with `when:`")
    return nodes


def _names(value: str | list[str] | None) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _condition(raw: bool | str, values: dict[str, Any], limits: Limits, source: Source) -> bool:
    try:
        value = resolve(raw, values, limits)
    except ArchdslError as error:
        raise error.located(source.span) from None
    if not isinstance(value, bool):
        raise SpecError(f"`when:` must be true or false, got {value!r}", source.span)
    return value


def _check_fits(init: Initializer, node: Node, name: str, weight: Weight, where: Source) -> None:
    if init.name in FAN_BASED and len(weight.shape) < 2:
        raise SpecError(
            f"{init.name} needs a parameter of two or more axes; '{node.name}.{name}' has shape {list(weight.shape)}",
            where.span, node.name, hint="give 1-D parameters (biases, norm scales) constant, normal or zeros",
        )
