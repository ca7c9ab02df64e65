"""The artifacts `archdsl build --backend torch -o PATH` writes, picked by PATH's suffix.

Every file is serialised in memory first and written with archdsl.fileio, so a
failed build leaves nothing behind.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import torch
from torch import fx

from archdsl.backends.torch.examples import example_inputs
from archdsl.backends.torch.lower import Lowered, device_of
from archdsl.backends.torch.source import standalone_source
from archdsl.errors import BackendError
from archdsl.fileio import write_atomic
from archdsl.lowering import Lowering
from archdsl.progress import stage

Writer = Callable[[Lowering, fx.GraphModule, Lowered, str], str]


def exported_program(lowering: Lowering, module: fx.GraphModule) -> torch.export.ExportedProgram:
    """`torch.export` of the module in eval mode, with a dynamic batch axis on every input.

    Strict mode traces the generated `forward`, so the program has no train-only heads at all
    (non-strict export of a GraphModule interprets its graph, which computes and drops them)."""
    device = device_of(module)
    inputs = example_inputs(lowering.graph, batch=2, device=device)
    batch = torch.export.Dim("batch")
    was_training = module.training
    module.eval()
    try:
        with stage("tracing with torch.export"):
            return torch.export.export(module, tuple(inputs.values()), dynamic_shapes=tuple({0: batch} for _ in inputs),
                                       strict=True)
    except Exception as exc:  # noqa: BLE001 - torch.export raises many kinds; each is a failed build
        raise BackendError(f"torch.export failed: {type(exc).__name__}: {str(exc).splitlines()[0]}") from exc
    finally:
        module.train(was_training)


def write_exported(lowering: Lowering, module: fx.GraphModule, lowered: Lowered, path: str) -> str:
    buffer = io.BytesIO()
    torch.export.save(exported_program(lowering, module), buffer)
    write_atomic(path, buffer.getvalue())
    return f"wrote {path}: torch.export ExportedProgram (eval mode, dynamic batch); load it with torch.export.load"


def write_state_dict(lowering: Lowering, module: fx.GraphModule, lowered: Lowered, path: str) -> str:
    state = module.state_dict()
    portable = OrderedDict((key, value.detach().cpu()) for key, value in state.items())
    portable._metadata = getattr(state, "_metadata", None)  # type: ignore[attr-defined]
    buffer = io.BytesIO()
    torch.save(portable, buffer)
    write_atomic(path, buffer.getvalue())
    return f"wrote {path}: state_dict, {len(portable)} tensors on CPU (torchvision's key names)"


def write_safetensors(lowering: Lowering, module: fx.GraphModule, lowered: Lowered, path: str) -> str:
    try:
        from safetensors.torch import save
    except ImportError:
        raise BackendError(f"writing '{path}' needs the safetensors package, which is not installed",
                           hint="pip install safetensors, or write a .pt state_dict") from None
    # contiguous copies: safetensors refuses tensors that share memory (tied weights) or have strides
    tensors = {key: value.detach().cpu().clone(memory_format=torch.contiguous_format)
               for key, value in module.state_dict().items()}
    write_atomic(path, save(tensors, metadata={"archdsl.spec": lowering.spec.name}))
    return f"wrote {path}: state_dict as safetensors, {len(tensors)} tensors (torchvision's key names)"


def write_source(lowering: Lowering, module: fx.GraphModule, lowered: Lowered, path: str) -> str:
    write_atomic(path, standalone_source(lowering, module, lowered))
    return f"wrote {path}: standalone Python module (needs only torch)"


WRITERS: dict[str, Writer] = {".pt2": write_exported, ".pt": write_state_dict, ".safetensors": write_safetensors,
                              ".py": write_source}


def writer_for(path: str) -> Writer:
    """The writer for `path`'s suffix; a BackendError before any work for an unknown one."""
    suffix = Path(path).suffix.lower()
    if suffix not in WRITERS:
        raise BackendError(
            f"the torch backend cannot write '{path}'",
            hint="use .pt2 (torch.export program), .pt or .safetensors (state_dict) or .py (standalone Python module)",
        )
    return WRITERS[suffix]
