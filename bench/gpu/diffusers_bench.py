"""The diffusers side of the CUDA benchmark (issue 11, BENCHMARKS.md section 5), on the same card and in the
same run as bench/gpu/cuda-bench.ts. Everything is diffusers eager in bf16, as FluxKontextPipeline is run:

  transformerCall   one call of the full-width slice (2 double + 4 single blocks, hidden 3072) at 512^2 and
                    1024^2, the same inputs as the references of cuda_prepare.py
  edit1024          FluxKontextPipeline, 1024x1024 source, 28 steps, batch 1, total and per stage
  sweepLoop512      the seed repository's sweep: six separate pipeline runs at 512x512 (strengths 0..1)
  fullTransformer   the real depth (19 double + 38 single blocks, random bf16 weights): one call at 512^2
                    and 1024^2 and the GPU memory it takes

    PYTHONPATH=<diffusers src>:. python bench/gpu/diffusers_bench.py --refs /tmp/kk/refs --json out.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

from models.export.reference_pipeline import make_pipeline, make_source_image
from models.export.scale import build_scale
from models.export.slider import SliderFluxTransformer, add_slider_conditioning, set_slider_modulation

SEED = 11
DEPTH = {"double_blocks": 2, "single_blocks": 4, "t5_layers": 2}
BF16 = {name: "bf16" for name in ("clipTextEncoder", "t5TextEncoder", "sliderProjector", "transformer", "vae")}
INSTRUCTION = "Make the sky a deep blue"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def load_inputs(folder: Path, device) -> dict[str, torch.Tensor]:
    spec = json.loads((folder / "shapes.json").read_text())["inputs"]
    return {name: torch.from_numpy(np.fromfile(folder / f"{name}.bin", dtype=s["dtype"]).reshape(s["shape"])).to(device)
            for name, s in spec.items()}


def timed(fn, runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> dict:
    return {"medianMs": statistics.median(times), "runsMs": [round(t, 2) for t in times]}


class StageClock:
    """Adds up synchronized wall time per pipeline stage by wrapping the methods FluxKontextPipeline calls."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = defaultdict(float)

    def wrap(self, owner, attribute: str, stage: str) -> None:
        original = getattr(owner, attribute)

        def run(*args, **kwargs):
            torch.cuda.synchronize()
            start = time.perf_counter()
            result = original(*args, **kwargs)
            torch.cuda.synchronize()
            self.ms[stage] += (time.perf_counter() - start) * 1000
            return result

        setattr(owner, attribute, run)


def edit(pipe, components, side: int, strengths: list[float], steps: int):
    image = make_source_image(side, side)
    with torch.no_grad():
        pooled = pipe._get_clip_prompt_embeds(prompt=[INSTRUCTION], device=torch.device("cuda"))
        strength = torch.tensor(strengths, device="cuda", dtype=torch.float32)
        modulation = components.projector(strength, pooled.expand(len(strengths), -1))
    set_slider_modulation(components.transformer, modulation)
    try:
        with torch.no_grad():
            return pipe(image=image, prompt=[INSTRUCTION] * len(strengths), height=side, width=side,
                        num_inference_steps=steps, guidance_scale=2.5, max_sequence_length=components.t5_max_length,
                        max_area=side * side, _auto_resize=False, output_type="pil",
                        generator=torch.Generator("cuda").manual_seed(0)).images
    finally:
        set_slider_modulation(components.transformer, None)


def kernel_breakdown(fn, calls: int = 3) -> dict:
    """CUDA time per call by kernel family (GEMM, attention, the rest), from torch.profiler."""
    from torch.profiler import ProfilerActivity, profile

    fn()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(calls):
            fn()
        torch.cuda.synchronize()
    families: dict[str, float] = defaultdict(float)
    for event in prof.key_averages():
        name = event.key.lower()
        us = getattr(event, "device_time_total", None) or getattr(event, "cuda_time_total", 0)
        if not us or event.key.startswith("aten::"):
            continue
        family = ("attention" if any(k in name for k in ("flash", "fmha", "attention", "sdpa"))
                  else "gemm" if any(k in name for k in ("gemm", "cutlass", "xmma", "sm90", "matmul"))
                  else "other")
        families[family] += us / 1000 / calls
    return {family: round(ms, 3) for family, ms in families.items()}


def full_transformer(refs: Path) -> dict:
    from diffusers import FluxTransformer2DModel

    with torch.device("meta"):
        model = FluxTransformer2DModel(patch_size=1, in_channels=64, num_layers=19, num_single_layers=38,
                                       attention_head_dim=128, num_attention_heads=24, joint_attention_dim=4096,
                                       pooled_projection_dim=768, guidance_embeds=True, axes_dims_rope=(16, 56, 56))
    model = model.to_empty(device="cuda").to(torch.bfloat16)
    generator = torch.Generator("cuda").manual_seed(SEED)
    with torch.no_grad():
        for param in model.parameters():
            param.normal_(0, 0.02, generator=generator)
    add_slider_conditioning(model)
    wrapper = SliderFluxTransformer(model.eval())
    result = {"params": sum(p.numel() for p in model.parameters()),
              "weightsGiB": torch.cuda.memory_allocated() / 2**30}
    for side in (512, 1024):
        feed = load_inputs(refs / f"transformer-{side}", "cuda")
        torch.cuda.reset_peak_memory_stats()
        with torch.no_grad():
            result[f"call{side}"] = summary(timed(lambda: wrapper(**feed), runs=5))
        result[f"peak{side}GiB"] = torch.cuda.max_memory_allocated() / 2**30
        log(f"full transformer {side}: {result[f'call{side}']['medianMs']:.1f} ms")
    del model, wrapper
    torch.cuda.empty_cache()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--refs", type=Path, required=True)
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    torch.set_grad_enabled(False)
    report: dict = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0), "seed": SEED, "depth": DEPTH}
    components = build_scale(SEED, **DEPTH, precision=BF16, log=log)
    for module in (components.clip, components.t5, components.vae, components.transformer, components.projector):
        module.to("cuda")
    wrapper = SliderFluxTransformer(components.transformer)
    report["transformerCall"] = {}
    for side in (512, 1024):
        feed = load_inputs(args.refs / f"transformer-{side}", "cuda")
        with torch.no_grad():
            report["transformerCall"][str(side)] = summary(timed(lambda: wrapper(**feed), runs=10))
        log(f"transformer call {side}: {report['transformerCall'][str(side)]['medianMs']:.1f} ms")

    try:
        feed = load_inputs(args.refs / "transformer-1024", "cuda")
        report["transformerKernels1024"] = kernel_breakdown(lambda: wrapper(**feed))
        log(f"kernel families at 1024: {report['transformerKernels1024']}")
    except Exception as error:  # noqa: BLE001 - recorded; the timings stand on their own
        report["transformerKernels1024"] = {"error": f"{type(error).__name__}: {error}"}

    pipe = make_pipeline(components)
    clock = StageClock()
    clock.wrap(pipe, "encode_prompt", "encode-text")
    clock.wrap(pipe.vae, "encode", "encode-image")
    clock.wrap(pipe.transformer, "forward", "denoise")
    clock.wrap(pipe.vae, "decode", "decode")
    edit(pipe, components, 1024, [1.0], 28)  # warm-up
    totals, stages = [], []
    for _ in range(args.runs):
        clock.ms.clear()
        totals.append(timed(lambda: edit(pipe, components, 1024, [1.0], 28), runs=1, warmup=0)[0])
        stages.append(dict(clock.ms))
    report["edit1024"] = {**summary(totals), "stagesMs": {k: statistics.median(s[k] for s in stages) for k in stages[0]}}
    log(f"edit 1024: {report['edit1024']}")

    strengths = [i / 5 for i in range(6)]
    edit(pipe, components, 512, [0.0], 28)  # warm-up at this size
    loops = [timed(lambda: [edit(pipe, components, 512, [s], 28) for s in strengths], runs=1, warmup=0)[0]
             for _ in range(args.runs)]
    report["sweepLoop512"] = {**summary(loops), "frames": len(strengths)}
    log(f"sweep loop 512: {report['sweepLoop512']}")
    batched = [timed(lambda: edit(pipe, components, 512, strengths, 28), runs=1, warmup=0)[0] for _ in range(args.runs)]
    report["sweepBatch512"] = {**summary(batched), "frames": len(strengths)}
    log(f"sweep batch 512 (diffusers, one batch of 6): {report['sweepBatch512']}")
    report["peakMemoryGiB"] = torch.cuda.max_memory_allocated() / 2**30
    del pipe, wrapper, components
    torch.cuda.empty_cache()
    args.json.write_text(json.dumps(report, indent=2))
    try:
        report["fullTransformer"] = full_transformer(args.refs)
    except Exception as error:  # noqa: BLE001 - recorded; the slice figures stand on their own
        report["fullTransformer"] = {"error": f"{type(error).__name__}: {error}"}
    args.json.write_text(json.dumps(report, indent=2))
    log("done")


if __name__ == "__main__":
    main()
