"""onnxruntime's own transformer graph optimizer, applied to an exported transformer (issue 11).

`onnxruntime.transformers.optimizer` (pure Python, shipped with onnxruntime) rewrites an MMDiT graph into
fused contrib ops (LayerNormalization, SimplifiedLayerNormalization for RMSNorm, FastGelu, ...) that
onnxruntime's CUDA provider runs as single kernels. opt_level=0 means no onnxruntime session is involved, so
it runs anywhere the Python package is installed and the result does not depend on the exporting machine.
Measured on an H200 (BENCHMARKS.md section 5): it is what brings the CUDA provider to diffusers' speed.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

OPTIMIZER = "onnxruntime.transformers.optimizer"


def optimize_transformer(path: Path, *, num_heads: int, hidden_size: int, log=print) -> dict:
    """Rewrites `path` (and its external `.data`, if any) in place; returns what was fused and a description."""
    import onnxruntime
    from onnxruntime.transformers.optimizer import optimize_model

    started = time.time()
    model = optimize_model(str(path), model_type="mmdit", num_heads=num_heads, hidden_size=hidden_size,
                           opt_level=0, use_gpu=True)
    fused = {op: count for op, count in model.get_fused_operator_statistics().items() if count}
    scratch = path.parent / f".optimized-{path.name}"
    scratch.mkdir(exist_ok=True)
    target = scratch / path.name
    external = Path(str(path) + ".data").exists()
    model.save_model_to_file(str(target), use_external_data_format=external, all_tensors_to_one_file=True)
    for produced in scratch.iterdir():
        shutil.move(str(produced), str(path.parent / produced.name))
    scratch.rmdir()
    description = (f"{OPTIMIZER} {onnxruntime.__version__} model_type=mmdit opt_level=0 "
                   f"(fused: {', '.join(f'{op} x{n}' for op, n in sorted(fused.items()))})")
    log(f"    optimized in {time.time() - started:.1f}s: {description}")
    return {"fused": fused, "description": description, "seconds": round(time.time() - started, 1)}
