"""GPU-host preparation for the CUDA benchmark (issue 11, BENCHMARKS.md section 5). Writes under --out:

  scale/        the scale bundle (python -m models.export --random-scale ...): real widths, random weights,
                transformer 2 double + 4 single blocks (the full-width slice), T5 2 layers; fp16 except T5 fp32
  scale-opt/    the same bundle with onnxruntime's transformer optimizer applied to the transformer
                (every other file a symlink into scale/), model.json recording the optimization
  levers/t5-bf16/t5_text_encoder.onnx   the same T5 weights exported in bf16 (a precision lever)
  levers/transformer-bf16/transformer.onnx   the transformer exported in bf16 (a precision lever)
  levers/io-only.onnx   a graph with the transformer's inputs and output that only touches them on the GPU:
                the host<->device copy cost of one call, since onnxruntime-node cannot keep tensors on the GPU
  refs/<case>/  inputs (*.bin float32/int64 + shapes.json) and the fp32 PyTorch output (reference.bin) per
                component, computed on the GPU with TF32 off, for the accuracy checks of cuda-bench.ts

Each part is skipped when its output already exists, so an interrupted run continues where it stopped.

    PYTHONPATH=<diffusers src>:. python bench/gpu/cuda_prepare.py --out /tmp/kk
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import torch

from models.export.__main__ import SCALE_CASES
from models.export.__main__ import main as export_main
from models.export.bundle import export_and_check, specs_for
from models.export.encoders import ClipPooledEncoder, T5HfEncoder, VaeDecoder, VaeEncoderMean
from models.export.manifest import file_list, write_json
from models.export.optimize import optimize_transformer
from models.export.scale import build_scale
from models.export.slider import FloatIO, SliderFluxTransformer

SEED = 11
DEPTH = {"double_blocks": 2, "single_blocks": 4, "t5_layers": 2}
PRECISION = {"clipTextEncoder": "fp16", "t5TextEncoder": "fp32", "sliderProjector": "fp16", "transformer": "fp16",
             "vae": "fp16"}
TEXT_LEN = 512


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def export_scale(out: Path) -> None:
    if (out / "model.json").exists():
        log(f"{out} exists, skipping the export")
        return
    args = ["--random-scale", "--seed", str(SEED), "--out", str(out), "--double-blocks", str(DEPTH["double_blocks"]),
            "--single-blocks", str(DEPTH["single_blocks"]), "--t5-layers", str(DEPTH["t5_layers"]),
            "--precision", ",".join(f"{k}={v}" for k, v in PRECISION.items()),
            # Only the fp32 T5 is checked on the CPU here: onnxruntime's CPU provider lacks fp16 kernels for some
            # of the fp16 graphs' ops; cuda-bench.ts checks every component on the GPU against fp32 references.
            "--unchecked", "transformer,vaeEncoder,vaeDecoder,clipTextEncoder,sliderProjector"]
    log(f"python -m models.export {' '.join(args)}")
    code = export_main(args)
    log(f"export exit code {code}")


def make_optimized(plain: Path, out: Path) -> None:
    if (out / "model.json").exists():
        log(f"{out} exists, skipping the optimizer")
        return
    out.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((plain / "model.json").read_text())
    transformer = manifest["components"]["transformer"]["file"]
    for entry in plain.iterdir():
        if entry.name.startswith(transformer) or entry.name == "model.json":
            continue
        target = out / entry.name
        if not target.exists():
            target.symlink_to(entry.resolve())
    for suffix in ("", ".data"):
        if (plain / (transformer + suffix)).exists():
            shutil.copyfile(plain / (transformer + suffix), out / (transformer + suffix))
    t = manifest["transformer"]
    result = optimize_transformer(out / transformer, num_heads=t["numHeads"], hidden_size=t["innerDim"], log=log)
    manifest["components"]["transformer"]["optimizations"] = [result["description"]]
    manifest["version"] += "-optimized"
    manifest["files"] = file_list(out, list(manifest["files"]))
    write_json(out / "model.json", manifest)
    write_json(out / "optimizer-report.json", result)


def save_case(folder: Path, inputs: dict[str, np.ndarray], reference: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shapes = {}
    for name, value in inputs.items():
        value.tofile(folder / f"{name}.bin")
        shapes[name] = {"shape": list(value.shape), "dtype": str(value.dtype)}
    reference.astype(np.float32).tofile(folder / "reference.bin")
    (folder / "shapes.json").write_text(json.dumps({"inputs": shapes, "output": list(reference.shape)}))


def transformer_inputs(side: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    grid = side // 16  # VAE /8, then 2x2 packing
    ids = np.zeros((grid, grid, 3), np.float32)
    ids[..., 1] = np.arange(grid)[:, None]
    ids[..., 2] = np.arange(grid)[None, :]
    noise_ids = ids.reshape(-1, 3)
    context_ids = noise_ids.copy()
    context_ids[:, 0] = 1
    n = grid * grid
    return {
        "hidden_states": rng.standard_normal((1, 2 * n, 64), dtype=np.float32),
        "encoder_hidden_states": rng.standard_normal((1, TEXT_LEN, 4096), dtype=np.float32),
        "pooled_projections": rng.standard_normal((1, 768), dtype=np.float32),
        "timestep": np.array([0.7], np.float32),
        "img_ids": np.concatenate([noise_ids, context_ids]),
        "txt_ids": np.zeros((TEXT_LEN, 3), np.float32),
        "guidance": np.array([2.5], np.float32),
        "modulation": (0.1 * rng.standard_normal((1, 6144))).astype(np.float32),
    }


def write_references(refs: Path) -> None:
    if (refs / "done").exists():
        log("references exist, skipping")
        return
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    fp32 = {name: "fp32" for name in PRECISION}
    c = build_scale(SEED, **DEPTH, precision=fp32, log=log)
    rng = np.random.default_rng(SEED)
    device = torch.device("cuda")

    def run(module: torch.nn.Module, inputs: dict[str, np.ndarray]) -> np.ndarray:
        module = module.to(device)
        with torch.no_grad():
            out = module(**{k: torch.from_numpy(v).to(device) for k, v in inputs.items()})
        module.cpu()
        return out.float().cpu().numpy()

    started = time.time()
    for side in (512, 1024):
        inputs = transformer_inputs(side, rng)
        save_case(refs / f"transformer-{side}", inputs, run(SliderFluxTransformer(c.transformer), inputs))
    ids = rng.integers(0, 500, size=(1, TEXT_LEN), dtype=np.int64)
    save_case(refs / "t5", {"input_ids": ids}, run(T5HfEncoder(c.t5), {"input_ids": ids}))
    clip_ids = np.full((1, 77), c.clip_pad_id, np.int64)
    clip_ids[0, :12] = rng.integers(0, 200, size=12)
    save_case(refs / "clip", {"input_ids": clip_ids}, run(ClipPooledEncoder(c.clip), {"input_ids": clip_ids}))
    strengths = {"strength": np.linspace(0, 1, 6, dtype=np.float32),
                 "pooled": rng.standard_normal((6, 768), dtype=np.float32)}
    save_case(refs / "projector", strengths, run(FloatIO(c.projector), strengths))
    image = {"sample": rng.uniform(-1, 1, size=(1, 3, 1024, 1024)).astype(np.float32)}
    save_case(refs / "vae-encoder", image, run(VaeEncoderMean(c.vae), image))
    latent = {"latent": rng.standard_normal((1, 16, 128, 128), dtype=np.float32)}
    save_case(refs / "vae-decoder", latent, run(VaeDecoder(c.vae), latent))
    (refs / "done").write_text("ok\n")
    log(f"references written in {time.time() - started:.0f}s")


def export_bf16_lever(out: Path, component: str) -> None:
    """The same weights as the bundle's `component`, exported in bf16 instead (a precision lever)."""
    path = out / specs_file(component)
    if path.exists() or (out / "failed.json").exists():
        log(f"bf16 {component} lever exists, skipping")
        return
    out.mkdir(parents=True, exist_ok=True)
    c = build_scale(SEED, **DEPTH, precision={**PRECISION, component: "bf16"}, log=log)
    spec = specs_for(c)[component]
    result = export_and_check(c, component, spec, path, SCALE_CASES, attention="multi-head", max_rel_error=1,
                              seed=SEED, check=False, log=log)
    write_json(out / ("report.json" if result["ok"] else "failed.json"), result)


def specs_file(component: str) -> str:
    """The file the lever's graph is written to (named as in the bundle), known before the model is built."""
    return {"t5TextEncoder": "t5_text_encoder.onnx", "transformer": "transformer.onnx"}[component]


def write_io_only(path: Path) -> None:
    """sample = hidden_states + 0 * sum(max(x) for every other float input): each input is read on the GPU
    (so copied there) and the output comes back, with no real work in between."""
    import onnx
    from onnx import TensorProto, helper

    spec = json.loads((path.parent.parent / "scale" / "model.json").read_text())["components"]["transformer"]
    types = {"float32": TensorProto.FLOAT, "int64": TensorProto.INT64}
    inputs = [helper.make_tensor_value_info(t["name"], types[t["dtype"]], t["shape"]) for t in spec["inputs"]]
    others = [t["name"] for t in spec["inputs"] if t["name"] != "hidden_states"]
    nodes = [helper.make_node("ReduceMax", [name], [f"max_{name}"], keepdims=0) for name in others]
    nodes.append(helper.make_node("Sum", [f"max_{name}" for name in others], ["total"]))
    nodes.append(helper.make_node("Constant", [], ["zero"], value=helper.make_tensor("z", TensorProto.FLOAT, [], [0.0])))
    nodes.append(helper.make_node("Mul", ["total", "zero"], ["nothing"]))
    nodes.append(helper.make_node("Add", ["hidden_states", "nothing"], ["sample"]))
    output = helper.make_tensor_value_info("sample", TensorProto.FLOAT, spec["outputs"][0]["shape"])
    graph = helper.make_graph(nodes, "io-only", inputs, [output])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 10  # onnxruntime 1.29 reads IR versions up to 13; onnx 1.23 would write 14
    onnx.save(model, path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--parts", default="export,optimize,references,io-only,t5-bf16,transformer-bf16")
    args = parser.parse_args()
    parts = args.parts.split(",")
    log(f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}, {os.cpu_count()} CPUs")
    torch.set_grad_enabled(False)
    if "export" in parts:
        export_scale(args.out / "scale")
    if "optimize" in parts:
        make_optimized(args.out / "scale", args.out / "scale-opt")
    if "references" in parts:
        write_references(args.out / "refs")
    if "io-only" in parts:
        (args.out / "levers").mkdir(parents=True, exist_ok=True)
        write_io_only(args.out / "levers" / "io-only.onnx")
    if "t5-bf16" in parts:
        export_bf16_lever(args.out / "levers" / "t5-bf16", "t5TextEncoder")
    if "transformer-bf16" in parts:
        export_bf16_lever(args.out / "levers" / "transformer-bf16", "transformer")
    log("done")


if __name__ == "__main__":
    main()
