"""Safety limits on what a spec may ask of archdsl; each is configurable."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Limits:
    """Bounds that keep hostile or mistaken specs from hanging or exhausting the machine."""

    file_bytes: int = 1 << 20
    """Largest spec file read, in bytes."""
    yaml_nodes: int = 50_000
    """YAML values built from one file, counting every alias expansion (the library's largest file has ~400)."""
    yaml_depth: int = 64
    """Deepest nesting of YAML mappings and lists."""
    graph_nodes: int = 50_000
    """IR nodes and scopes one expansion may create (ResNet-152 has ~550)."""
    repeat: int = 10_000
    """Largest `repeat` count."""
    block_depth: int = 64
    """Deepest nesting of block instances."""
    import_depth: int = 16
    """Longest chain of `extends`/`use` files."""
    expr_chars: int = 2_000
    """Longest expression text."""
    expr_steps: int = 10_000
    """Evaluation steps one expression may take: a step is one node of the expression, or
    ELEMENTS_PER_STEP elements a call or operator touches (about a microsecond of work)."""
    expr_int_bits: int = 256
    """Largest integer an expression may produce or a YAML literal may hold, in bits."""
    expr_seq_len: int = 100_000
    """Longest list or string an expression may produce (elements of nested lists count too)."""
    run_steps: int = 300_000
    """Evaluation steps of one run, all expressions together, with the elements of attribute
    values checked (the library's most expression-heavy spec takes ~3,000)."""

    def __hash__(self) -> int:
        # Limits are part of every expression memo key; hash the fields once, not per lookup.
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = hash(tuple(getattr(self, f.name) for f in fields(self)))
            object.__setattr__(self, "_hash", cached)
        return cached

    def with_overrides(self, overrides: dict[str, int]) -> Limits:
        """A copy with some limits changed; unknown names raise KeyError."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise KeyError(unknown[0])
        return replace(self, **overrides)


DEFAULT_LIMITS = Limits()

ELEMENTS_PER_STEP = 32
"""Elements a call or operator may touch for the price of one step (about the time one
step of the evaluator takes): `max(xs)` over 32,000 numbers costs 1,000 steps, charged
before it runs."""

LIMIT_HINT = "raise it with --limit {name}=N if the spec is genuine"


class Budget:
    """The steps left to one run (`run_steps`), shared by every expression it evaluates."""

    def __init__(self, limits: Limits) -> None:
        self.limit = limits.run_steps
        self.left = limits.run_steps

    def spend(self, steps: int) -> bool:
        """Take `steps`; False when fewer are left (what is left is then used up)."""
        self.left -= steps
        if self.left < 0:
            self.left = 0
            return False
        return True

    def charge_elements(self, elements: int) -> bool:
        """Take the steps that touching `elements` elements costs."""
        return self.spend(elements // ELEMENTS_PER_STEP)
