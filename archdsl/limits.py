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
    """Evaluation steps one expression may take."""
    expr_int_bits: int = 256
    """Largest integer an expression may produce or a YAML literal may hold, in bits."""
    expr_seq_len: int = 100_000
    """Longest list or string an expression may produce (elements of nested lists count too)."""

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
