"""Dropout-like ops, which are identities at inference."""

from __future__ import annotations

from archdsl.backends.onnx.table import Emitter, Site, scalar


def dropout(site: Site, x: list[str]) -> list[str]:
    """ONNX Dropout without `training_mode` is the identity, as in eval mode; the ratio is kept for readers."""
    return [site.op("Dropout", x[0], scalar(site, site.attrs.p, "ratio"))]


def _identity_at_inference(site: Site, x: list[str]) -> list[str]:
    return [site.op("Identity", x[0])]


TABLE: dict[str, Emitter] = {
    "dropout": Emitter(dropout),
    "dropout2d": Emitter(_identity_at_inference),
    "drop_path": Emitter(_identity_at_inference),
}
