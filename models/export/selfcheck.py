"""Runs an exported graph in ONNX Runtime (CPU) and compares it with the PyTorch reference."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

_SESSIONS: dict[str, object] = {}


def session(path: Path):
    import onnxruntime as ort

    key = str(path)
    if key not in _SESSIONS:
        options = ort.SessionOptions()
        options.log_severity_level = 3
        _SESSIONS[key] = ort.InferenceSession(key, options, providers=["CPUExecutionProvider"])
    return _SESSIONS[key]


def forget_sessions() -> None:
    _SESSIONS.clear()


def compare(
    path: Path,
    reference: Callable[..., torch.Tensor],
    inputs: dict[str, np.ndarray],
    output_name: str,
    max_rel_error: float,
) -> dict:
    """max abs error, max abs error / max |reference|, and whether it is within the bound (NaN fails)."""
    got = session(path).run([output_name], inputs)[0]
    with torch.no_grad():
        want = reference(**{k: torch.from_numpy(v) for k, v in inputs.items()}).detach().to(torch.float32).numpy()
    if got.shape != want.shape:
        return {"ok": False, "error": f"shape {got.shape} != reference {want.shape}"}
    finite = bool(np.isfinite(got).all() and np.isfinite(want).all())
    max_abs = float(np.max(np.abs(got.astype(np.float64) - want))) if got.size else 0.0
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    rel = max_abs / max(scale, 1e-12)
    return {
        "ok": finite and rel <= max_rel_error,
        "maxAbs": max_abs,
        "maxRel": rel,
        "refMaxAbs": scale,
        "shape": list(got.shape),
        "finite": finite,
    }
