"""The errors one expansion collects: each reported once, located, up to MAX_ERRORS."""

from __future__ import annotations

from archdsl.errors import ArchdslError, ErrorGroup, Span

MAX_ERRORS = 20


class ErrorLog:
    """Located errors by place and message, in the order they were first found."""

    def __init__(self) -> None:
        self.errors: dict[tuple[str, str], ArchdslError] = {}

    def __len__(self) -> int:
        return len(self.errors)

    def record(self, error: ArchdslError, span: Span | None = None, node: str | None = None) -> None:
        """Keep `error` (each of a group's), located at `span` and `node` where it is not yet;
        stop the expansion once MAX_ERRORS are kept."""
        for single in error.errors if isinstance(error, ErrorGroup) else [error]:
            single.located(span, node)
            key = (str(single.span), single.message)
            self.errors.setdefault(key, single)
        if len(self.errors) >= MAX_ERRORS:
            raise self.group(more=True)

    def group(self, more: bool = False) -> ErrorGroup:
        """The errors kept, as one error to raise."""
        return ErrorGroup(list(self.errors.values())[:MAX_ERRORS], more=more)
