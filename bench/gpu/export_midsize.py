"""GPU-host half of the WebGPU benchmark (issue 4, item 9).

Builds a mid-size random slider transformer from diffusers' FluxTransformer2DModel (8 double + 16 single
blocks, hidden 1024 = 8 heads x 128, FLUX's text/pooled widths), exports it with the project's exporter in
several variants, times PyTorch eager bf16 per transformer call at 512x512 and 1024x1024 on the GPU, and
writes fp32 reference outputs the Node side (webgpu-transformer.mjs) compares against.

    python bench/gpu/export_midsize.py --out /tmp/mid
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from diffusers import FluxTransformer2DModel

from models.export.bundle import specs_for  # noqa: F401  (documents where the I/O spec comes from)
from models.export.export_attention import export_mode, mha_implementations
from models.export.onnx_export import export_graph, tensor_spec
from models.export.slider import SliderFluxTransformer, add_slider_conditioning

SIZES = {"512": 512, "1024": 1024}
TEXT_LEN = 512  # T5 length FLUX pads to


def build(seed: int) -> FluxTransformer2DModel:
    torch.manual_seed(seed)
    model = FluxTransformer2DModel(patch_size=1, in_channels=64, num_layers=8, num_single_layers=16,
                                   attention_head_dim=128, num_attention_heads=8, joint_attention_dim=4096,
                                   pooled_projection_dim=768, guidance_embeds=True, axes_dims_rope=(16, 56, 56))
    add_slider_conditioning(model)
    return model.eval()


def inputs_for(side: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    h = w = side // 16  # packed token grid of one image (VAE /8, then 2x2 packing)
    grid = np.zeros((h, w, 3), np.float32)
    grid[..., 1] = np.arange(h)[:, None]
    grid[..., 2] = np.arange(w)[None, :]
    noise_ids = grid.reshape(-1, 3)
    context_ids = noise_ids.copy()
    context_ids[:, 0] = 1
    n = h * w
    return {
        "hidden_states": rng.standard_normal((1, 2 * n, 64), dtype=np.float32),
        "encoder_hidden_states": rng.standard_normal((1, TEXT_LEN, 4096), dtype=np.float32),
        "pooled_projections": rng.standard_normal((1, 768), dtype=np.float32),
        "timestep": np.array([0.7], np.float32),
        "img_ids": np.concatenate([noise_ids, context_ids]),
        "txt_ids": np.zeros((TEXT_LEN, 3), np.float32),
        "guidance": np.array([2.5], np.float32),
        "modulation": (0.1 * rng.standard_normal((1, 2048))).astype(np.float32),
    }


def spec() -> tuple[list[dict], list[dict]]:
    inputs = [tensor_spec("hidden_states", "float32", ["batch", "img_seq", 64]),
              tensor_spec("encoder_hidden_states", "float32", ["batch", "txt_seq", 4096]),
              tensor_spec("pooled_projections", "float32", ["batch", 768]),
              tensor_spec("timestep", "float32", ["batch"]),
              tensor_spec("img_ids", "float32", ["img_seq", 3]),
              tensor_spec("txt_ids", "float32", ["txt_seq", 3]),
              tensor_spec("guidance", "float32", ["batch"]),
              tensor_spec("modulation", "float32", ["batch", 2048])]
    return inputs, [tensor_spec("sample", "float32", ["batch", "img_seq", 64])]


def time_torch(model, feed: dict[str, torch.Tensor], runs: int) -> list[float]:
    wrapper = SliderFluxTransformer(model)
    with torch.no_grad():
        wrapper(**feed)
        torch.cuda.synchronize()
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            wrapper(**feed)
            torch.cuda.synchronize()
            times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variants", default="fp32-decomposed,fp32-mha,fp16-mha",
                        help="comma-separated subset of the ONNX variants to export")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    report: dict = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0), "torchEagerBf16Ms": {}}
    model = build(args.seed)
    report["params"] = sum(p.numel() for p in model.parameters())
    print("params", report["params"], flush=True)

    # fp32 references (no TF32) and PyTorch eager bf16 timings on the GPU.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    model.cuda()
    feeds = {}
    for name, side in SIZES.items():
        feed_np = inputs_for(side, args.seed + side)
        folder = args.out / f"inputs-{name}"
        folder.mkdir(exist_ok=True)
        shapes = {}
        for key, value in feed_np.items():
            value.tofile(folder / f"{key}.bin")
            shapes[key] = list(value.shape)
        (folder / "shapes.json").write_text(json.dumps(shapes))
        feeds[name] = {k: torch.from_numpy(v).cuda() for k, v in feed_np.items()}
        with torch.no_grad():
            ref = SliderFluxTransformer(model)(**feeds[name]).float().cpu().numpy()
        ref.astype(np.float32).tofile(folder / "reference.bin")
    model.cpu()
    fast = copy.deepcopy(model).to(device="cuda", dtype=torch.bfloat16)
    for name, feed in feeds.items():
        times = time_torch(fast, feed, runs=10)
        report["torchEagerBf16Ms"][name] = {"median": statistics.median(times), "runs": times,
                                             "imgSeq": int(feed["hidden_states"].shape[1])}
        print(name, "torch bf16 median ms", statistics.median(times), flush=True)
    del fast, feeds
    torch.cuda.empty_cache()

    # ONNX variants, exported on the CPU (RMSNorm fails to export on the GPU).
    inputs, outputs = spec()
    example = {k: torch.from_numpy(v) for k, v in inputs_for(256, 1).items()}
    symbolic = next(fn for label, fn, _ in mha_implementations() if label == "torch.onnx.ops.symbolic")
    variants = [("fp32-decomposed", torch.float32, "decomposed", None),
                ("fp32-mha", torch.float32, "multi-head", symbolic),
                ("fp16-mha", torch.float16, "multi-head", symbolic)]
    report["variants"] = {}
    wanted = set(args.variants.split(","))
    (args.out / "torch-report.json").write_text(json.dumps(report, indent=2))
    for label, dtype, attention, mha in variants:
        if label not in wanted:
            continue
        model.to(dtype)
        started = time.time()
        result = export_graph(SliderFluxTransformer(model), example, inputs, outputs, args.out / label / "transformer.onnx",
                              external_data=True, patches=lambda: export_mode(model, attention, mha), log=print)
        report["variants"][label] = {"exportSeconds": round(time.time() - started, 1), "ops": result["ops"]}
        print(label, "exported in", report["variants"][label]["exportSeconds"], "s", flush=True)
        (args.out / "torch-report.json").write_text(json.dumps(report, indent=2))
    (args.out / "torch-report.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
