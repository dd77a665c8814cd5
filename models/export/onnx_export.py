"""One graph -> one ONNX file, with named dynamic dimensions.

torch.onnx.export(dynamo=True) with `dynamic_shapes` built from shared `torch.export.Dim` objects (the legacy
`dynamic_axes` puts dynamic sizes on the wrong inputs with dynamo). If torch.export rejects the named
dimensions (a shape guard it cannot prove), we retry once with `Dim.AUTO`; either way the graph's inputs and
outputs are then renamed to the manifest's symbolic names and the self-check runs it at other shapes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import onnx
import torch

OPSET = 18
# Sizes the exporter may assume for every named dimension (inclusive).
DIM_RANGES = {
    "batch": (1, 1024),
    "img_seq": (2, 1 << 20),
    "txt_seq": (1, 4096),
    "t5_seq": (1, 4096),
    "height": (16, 16384),
    "width": (16, 16384),
    "latent_height": (2, 2048),
    "latent_width": (2, 2048),
}


def tensor_spec(name: str, dtype: str, shape: list) -> dict:
    return {"name": name, "dtype": dtype, "shape": list(shape)}


def _dynamic_shapes(inputs: list[dict], use_auto: bool) -> dict[str, Any]:
    shared: dict[str, Any] = {}
    result: dict[str, Any] = {}
    for spec in inputs:
        axes = {}
        for axis, dim in enumerate(spec["shape"]):
            if isinstance(dim, str):
                if use_auto:
                    axes[axis] = torch.export.Dim.AUTO
                else:
                    if dim not in shared:
                        low, high = DIM_RANGES.get(dim, (1, 1 << 20))
                        shared[dim] = torch.export.Dim(dim, min=low, max=high)
                    axes[axis] = shared[dim]
        result[spec["name"]] = axes or None
    return result


def _rename_dims(model: onnx.ModelProto, inputs: list[dict], outputs: list[dict]) -> list[str]:
    """Sets dim_param names from the specs; returns problems (a dynamic spec dim exported as static...)."""
    problems: list[str] = []
    renames: dict[str, str] = {}

    def apply(values, specs, record: bool):
        by_name = {v.name: v for v in values}
        for spec in specs:
            value = by_name.get(spec["name"])
            if value is None:
                problems.append(f"graph has no {spec['name']}")
                continue
            dims = value.type.tensor_type.shape.dim
            if len(dims) != len(spec["shape"]):
                problems.append(f"{spec['name']}: rank {len(dims)} != {len(spec['shape'])}")
                continue
            for dim, want in zip(dims, spec["shape"]):
                if isinstance(want, int):
                    if dim.HasField("dim_value") and dim.dim_value != want:
                        problems.append(f"{spec['name']}: static {dim.dim_value} != {want}")
                    continue
                if dim.HasField("dim_value"):
                    problems.append(f"{spec['name']}: '{want}' was exported static ({dim.dim_value})")
                    continue
                if record and dim.dim_param and dim.dim_param != want:
                    renames.setdefault(dim.dim_param, want)
                dim.dim_param = want

    apply(model.graph.input, inputs, record=True)
    apply(model.graph.output, outputs, record=False)
    for value in model.graph.value_info:
        for dim in value.type.tensor_type.shape.dim:
            if dim.dim_param in renames:
                dim.dim_param = renames[dim.dim_param]
    return problems


def export_graph(
    module: torch.nn.Module,
    example: dict[str, torch.Tensor],
    inputs: list[dict],
    outputs: list[dict],
    path: Path,
    *,
    external_data: bool,
    translation_table: dict | None = None,
    patches: Callable | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Exports `module(**example)`; returns a report (strategy, seconds, problems). Raises if both tries fail."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [spec["name"] for spec in inputs]
    if list(example) != names:
        raise ValueError(f"example inputs {list(example)} != spec inputs {names}")
    args = tuple(example[name] for name in names)
    errors: list[str] = []
    for strategy in ("named-dims", "auto-dims"):
        started = time.time()
        try:
            context = patches() if patches else _null_context()
            with context, torch.no_grad():
                program = torch.onnx.export(
                    module.eval(),
                    args,
                    f=None,
                    input_names=names,
                    output_names=[spec["name"] for spec in outputs],
                    opset_version=OPSET,
                    dynamo=True,
                    dynamic_shapes=_dynamic_shapes(inputs, use_auto=strategy == "auto-dims"),
                    custom_translation_table=translation_table or None,
                    optimize=True,
                )
        except Exception as error:  # noqa: BLE001 - we retry with the other strategy and report both
            message = f"{strategy}: {type(error).__name__}: {str(error)[:2000]}"
            log(f"    export failed ({message[:400]})")
            errors.append(message)
            continue
        for stale in (path, path.with_name(path.name + ".data")):
            stale.unlink(missing_ok=True)
        program.save(str(path), external_data=external_data)
        model = onnx.load(str(path), load_external_data=False)
        problems = _rename_dims(model, inputs, outputs)
        onnx.save(model, str(path))
        ops = sorted({f"{n.domain + '::' if n.domain else ''}{n.op_type}" for n in model.graph.node})
        seconds = round(time.time() - started, 1)
        log(f"    exported with {strategy} in {seconds}s; problems: {problems or 'none'}")
        return {"strategy": strategy, "seconds": seconds, "problems": problems, "failedTries": errors,
                "opset": OPSET, "ops": ops}
    raise RuntimeError("export failed: " + " | ".join(errors))


class _null_context:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
