"""The graph an expansion grows: nodes with inferred types and scopes, in the order they are made,
each name claimed once and counted against the graph_nodes limit."""

from __future__ import annotations

from archdsl.errors import ArchdslError, LimitError, ShapeError, Span, SpecError
from archdsl.expansion.frame import POISON, Frame, Poisoned, ScopeValue
from archdsl.ir.graph import Node, Ref, Scope
from archdsl.limits import Limits
from archdsl.ops import OpAttrs, infer_types
from archdsl.spec.loader import Source
from archdsl.tensors import TensorType


class GraphBuilder:
    """Nodes, their output types and scopes made so far, keyed by dotted name."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.nodes: dict[str, Node] = {}
        self.types: dict[str, tuple[TensorType, ...]] = {}
        self.scopes: dict[str, Scope] = {}
        self.spans: dict[tuple[int, tuple], Span] = {}
        self.node_order: list[str] = []
        self.scope_order: list[str] = []
        """Names in the order they were added, so an instance's nodes are a slice."""

    @property
    def size(self) -> int:
        """Nodes and scopes made so far (counted against the graph_nodes limit)."""
        return len(self.nodes) + len(self.scopes)

    def add_node(
        self, frame: Frame, local: str, op_name: str, attrs: OpAttrs, refs: list[Ref], source: Source
    ) -> Ref:
        """A node read from the spec: its name claimed and its output types inferred."""
        full = frame.prefix + local
        if any(ref is POISON for ref in refs):
            raise Poisoned()  # everything but the shape was checked; the failed input has none
        self.claim(full, source)
        inputs = tuple(self.types[r.node][r.port] for r in refs)
        try:
            outputs = infer_types(op_name, attrs, inputs)
        except ArchdslError as error:
            about = error.attr if isinstance(error, ShapeError) else None
            raise error.located((source.at(about) if about else source).span, full) from None
        self.put_node(Node(full, op_name, attrs, tuple(refs), self.span_of(source), frame.scope), outputs)
        return Ref(full)

    def put_node(self, node: Node, types: tuple[TensorType, ...]) -> None:
        """Add a node whose name and types are already known (a copied block instance's)."""
        self.nodes[node.name] = node
        self.types[node.name] = types
        self.node_order.append(node.name)

    def put_scope(self, scope: Scope) -> None:
        """Add a scope whose name is already claimed."""
        self.scopes[scope.name] = scope
        self.scope_order.append(scope.name)

    def span_of(self, source: Source) -> Span:
        """A source's span, looked up once per distinct source (repeated blocks share them)."""
        key = (id(source.doc), source.path)
        span = self.spans.get(key)
        if span is None:
            span = self.spans[key] = source.span
        return span

    def claim(self, full: str, source: Source) -> None:
        """Take the name `full` for a node or scope: a duplicate or one past the limit fails."""
        if full in self.nodes or full in self.scopes:
            first = self.nodes[full].span if full in self.nodes else self.scopes[full].span
            again = first == source.span  # the same item twice: a named node in an unnamed repeat's body
            raise SpecError(f"duplicate name '{full}' (first defined at {first})", source.span, full,
                            hint="a `repeat` makes this node once per pass: put the index in its name "
                                 "(e.g. \"a${i}\") or name the repeat, so each pass gets its own scope"
                            if again else "give one of them another name")
        if len(self.nodes) + len(self.scopes) >= self.limits.graph_nodes:
            raise LimitError(f"expansion makes more than {self.limits.graph_nodes} nodes", source.span, full,
                             hint="raise it with --limit graph_nodes=N if the model is genuine")

    def open_scope(
        self, frame: Frame, local: str, kind: str, block: str | None, params: tuple,
        source: Source, lexical: bool, inputs: list[Ref],
    ) -> Frame:
        """Claim a scope (block instance, sub-graph, repeat group) and the frame its items fill."""
        full = frame.prefix + local
        self.claim(full, source)
        child = frame.child(full, lexical)
        if child.depth > self.limits.block_depth:
            raise LimitError(
                f"blocks nest deeper than the limit of {self.limits.block_depth} (recursive block?)",
                source.span, full, hint="check the `when:` that should end the recursion",
            )
        self.put_scope(Scope(full, kind, block, params, self.span_of(source), frame.scope, tuple(inputs)))
        return child

    def close_scope(
        self, frame: Frame, local: str, child: Frame, outputs: dict[str, Ref], register: bool = True
    ) -> ScopeValue:
        """Record a finished scope's outputs; `register`: bind it in `frame` as the latest value."""
        value = ScopeValue(child.scope, outputs, child.names)
        opened = self.scopes[child.scope]
        self.scopes[child.scope] = opened._replace(outputs=tuple(outputs.values()))
        if register:
            frame.names[local] = value
            frame.previous = value.default
        return value
