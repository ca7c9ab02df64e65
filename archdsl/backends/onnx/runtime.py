"""onnxruntime sessions on the execution provider asked for, never a silent fallback.

onnxruntime quietly runs on the CPU when the CUDA or TensorRT provider cannot
start (missing libraries, no GPU). `open_session` compares the providers the
session actually got with the one asked for and fails with the loader's own
reason unless the caller allowed falling back.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from archdsl.errors import BackendError, Span, did_you_mean
from archdsl.lowering import lowering_of

try:
    import onnxruntime as ort
except ImportError:
    raise BackendError(
        "onnxruntime is not installed, so models cannot run here (export needs only onnx)",
        hint="pip install 'archdsl[cpu]' for the CPU build, or 'archdsl[gpu]' for CUDA",
    ) from None
from archdsl.backends.onnx.export import ExportOptions, export_bytes

PROVIDERS: dict[str, str] = {
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
}
"""archdsl's provider names → onnxruntime's."""


@dataclass
class Session:
    """An onnxruntime InferenceSession with the provider asked for and the ones it runs on."""

    session: ort.InferenceSession
    asked: str
    providers: list[str]
    notes: list[str] = field(default_factory=list)
    """Why the session is not on the provider asked for (only when fallback was allowed)."""

    @property
    def fallback(self) -> bool:
        return self.providers[0] != PROVIDERS[self.asked]

    @property
    def input_names(self) -> list[str]:
        return [i.name for i in self.session.get_inputs()]

    @property
    def output_names(self) -> list[str]:
        return [o.name for o in self.session.get_outputs()]

    def run(self, feeds: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Outputs by name for inputs by name."""
        values = self.session.run(None, dict(feeds))
        return dict(zip(self.output_names, values, strict=True))


def provider_chain(provider: str, fp16: bool = False, cache: str | None = None,
                   extra: Mapping[str, Any] | None = None) -> list[Any]:
    """The providers to ask onnxruntime for, best first, with their options (`extra` goes to the first)."""
    if provider not in PROVIDERS:
        raise BackendError(f"unknown execution provider '{provider}'",
                           hint=did_you_mean(provider, PROVIDERS) or f"choose one of: {', '.join(PROVIDERS)}")
    if provider == "cpu":
        return [("CPUExecutionProvider", dict(extra or {}))]
    chain: list[Any] = [("CUDAExecutionProvider", {"device_id": 0}), "CPUExecutionProvider"]
    if provider == "tensorrt":
        options: dict[str, Any] = {"device_id": 0, "trt_fp16_enable": fp16}
        if cache:
            options.update(trt_engine_cache_enable=True, trt_engine_cache_path=cache)
        chain.insert(0, ("TensorrtExecutionProvider", options))
    chain[0][1].update(extra or {})
    return chain


def model_bytes(model: Any, **export_options: Any) -> bytes:
    """Serialized ONNX from a loaded model or its Lowering (exported with `export_options`), a ModelProto,
    bytes or a path."""
    if isinstance(model, bytes):
        return model
    if isinstance(model, onnx.ModelProto):
        return model.SerializeToString()
    if isinstance(model, (str, Path)):
        path = Path(model)
        if not path.is_file():
            raise BackendError(f"ONNX file '{path}' not found", Span(str(path)))
        return path.read_bytes()
    return export_bytes(lowering_of(model), ExportOptions(**export_options))


def open_session(model: Any, provider: str = "cpu", allow_fallback: bool = False, threads: int | None = None,
                 fp16: bool = False, cache: str | None = None, provider_options: Mapping[str, Any] | None = None,
                 **export_options: Any) -> Session:
    """A session on `provider` (cpu, cuda, tensorrt); a BackendError when it cannot start there
    unless `allow_fallback`. `fp16` and `cache` are TensorRT options (half precision, engine cache
    dir); `provider_options` go to the provider asked for (e.g. TensorRT shape profiles)."""
    chain = provider_chain(provider, fp16, cache, provider_options)
    data = model_bytes(model, **export_options)
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    with _captured() as log:
        if provider != "cpu":
            _preload_cuda_libraries()
        try:
            session = ort.InferenceSession(data, options, providers=chain)
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises bare RuntimeErrors and Fails
            raise BackendError(f"onnxruntime cannot load the model: {_first_line(str(exc))}") from None
    started = session.get_providers()
    result = Session(session, provider, started)
    if result.fallback:
        reason = _reason(log.getvalue(), PROVIDERS[provider])
        message = f"onnxruntime could not start {PROVIDERS[provider]}; the session would run on {', '.join(started)}"
        if not allow_fallback:
            raise BackendError(message, hint=f"{reason}; use --provider cpu, or --allow-fallback to run anyway")
        result.notes.append(f"{message} ({reason})")
    return result


def _preload_cuda_libraries() -> None:
    """Load CUDA and cuDNN from the `nvidia-*` wheels torch installs: onnxruntime-gpu does not
    search site-packages by itself, so without a system-wide CUDA the GPU providers would fail to
    start with "libcublasLt.so... cannot open". Missing libraries are left for the session start
    to report (with the loader's reason)."""
    preload = getattr(ort, "preload_dlls", None)  # onnxruntime >= 1.21
    if preload is None:
        return
    with contextlib.redirect_stdout(io.StringIO()):  # it prints its warnings
        try:
            preload()
        except OSError:
            pass


@contextlib.contextmanager
def _captured() -> Iterator[io.StringIO]:
    """Collect what onnxruntime prints while a session starts (its C++ log writes to fd 2)."""
    text = io.StringIO()
    with tempfile.TemporaryFile(mode="w+b") as sink:
        saved = os.dup(2)
        try:
            os.dup2(sink.fileno(), 2)
            with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
                yield text
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            text.write(sink.read().decode("utf-8", "replace"))


def _reason(log: str, provider: str) -> str:
    """The loader's own explanation from onnxruntime's log, in one line."""
    clean = re.sub(r"\x1b\[[0-9;]*m", "", log)
    missing = re.findall(r"with error: ([^\n]+)", clean)
    if missing:
        return f"{provider} failed to load: {missing[-1].strip()}"
    failed = re.findall(r"Failed to create [A-Za-z]+\. ([^\n]+)", clean)
    if failed:
        return failed[-1].strip()
    return f"{provider} is not usable on this machine (no GPU, or its libraries are missing)"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"
