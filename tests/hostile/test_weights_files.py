"""Hostile `--weights` files for `archdsl export`: truncated, foreign, lying, mis-shaped, missing.

Every case is a real `python -m archdsl` process: exit 2, a message naming the file (or the
tensor, the node and the spec line), no traceback, and no output file or temporary left behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tests.hostile.conftest import Finished, assert_clean_error

numpy_api = pytest.importorskip("safetensors.numpy")

SPEC = "archdsl: 1\ninputs: {x: [4]}\ngraph:\n  - fc: {op: linear, out: 3}\n"
GOOD = {"fc.weight": np.ones((3, 4), np.float32), "fc.bias": np.zeros(3, np.float32)}


def _saved(tensors: dict[str, np.ndarray]) -> bytes:
    return numpy_api.save(tensors)


@dataclass(frozen=True)
class WeightsCase:
    """A weights file's bytes (None: no file), the name it is passed under, what stderr must say."""

    content: bytes | None
    expected: tuple[str, ...]
    name: str = "w.safetensors"


CASES: dict[str, WeightsCase] = {
    # the last bytes of the data cut off: the header promises more than the file holds
    "truncated data": WeightsCase(_saved(GOOD)[:-5], (
        "cannot read weights from 'w.safetensors'", "hint: pass a file written by safetensors' save_file")),
    # cut inside the 8-byte header length
    "truncated header length": WeightsCase(_saved(GOOD)[:5], ("cannot read weights from 'w.safetensors'",)),
    # not a safetensors file at all (text under the suffix)
    "foreign bytes": WeightsCase(b"this is not a checkpoint\n", ("cannot read weights from 'w.safetensors'",)),
    # an empty file
    "empty file": WeightsCase(b"", ("cannot read weights from 'w.safetensors'",)),
    # a header whose JSON is cut short
    "header JSON broken": WeightsCase(len(b'{"fc.weight": ').to_bytes(8, "little") + b'{"fc.weight": ',
                                      ("cannot read weights from 'w.safetensors'",)),
    # a well-formed file with a wrong-shape tensor: named with both shapes, at the node and spec line
    "wrong-shape tensor": WeightsCase(_saved({**GOOD, "fc.weight": np.ones((4, 3), np.float32)}), (
        "s.yaml:4:5: error: [fc]",
        "tensor 'fc.weight' in w.safetensors has shape [4, 3], the spec declares [3, 4]")),
    # a tensor missing and one the spec does not declare (a typo): both reported, with a suggestion
    "missing and extra tensors": WeightsCase(_saved({"fc.weight": GOOD["fc.weight"], "fc.bais": GOOD["fc.bias"]}), (
        "w.safetensors has no tensor 'fc.bias' ([3])", "a tensor 'fc.bais' that the spec does not declare",
        "did you mean 'fc.bias'?")),
    # no such file
    "missing file": WeightsCase(None, ("weights file 'w.safetensors' not found",)),
    # the suffix in capitals still names the safetensors reader (no torch needed, same message)
    "upper-case suffix, truncated": WeightsCase(_saved(GOOD)[:-5], ("cannot read weights from 'W.SAFETENSORS'",),
                                                name="W.SAFETENSORS"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_weights_file_is_a_clean_error(archdsl_cli: Callable[..., Finished], tmp_path: Path,
                                                 case: str) -> None:
    given = CASES[case]
    (tmp_path / "s.yaml").write_text(SPEC, encoding="utf-8")
    if given.content is not None:
        (tmp_path / given.name).write_bytes(given.content)
    before = sorted(p.name for p in tmp_path.iterdir())
    done = archdsl_cli("export", "s.yaml", "--weights", given.name, "-o", "m.onnx")
    assert_clean_error(done, *given.expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "an output or a temporary was left"


def test_a_good_safetensors_file_exports_without_torch(archdsl_cli: Callable[..., Finished], tmp_path: Path) -> None:
    # the same file, well formed: exit 0, the model holds its tensors (read back with onnx)
    import onnx
    from onnx import numpy_helper

    (tmp_path / "s.yaml").write_text(SPEC, encoding="utf-8")
    (tmp_path / "w.safetensors").write_bytes(_saved({**GOOD, "fc.bias": np.arange(3, dtype=np.float32)}))
    done = archdsl_cli("export", "s.yaml", "--weights", "w.safetensors", "-o", "m.onnx")
    assert done.status == 0, done.err
    found = {t.name: numpy_helper.to_array(t) for t in onnx.load(tmp_path / "m.onnx").graph.initializer}
    assert np.array_equal(found["fc.bias"], np.arange(3, dtype=np.float32))
    assert np.array_equal(found["fc.weight"], GOOD["fc.weight"])
