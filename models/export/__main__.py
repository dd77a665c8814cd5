"""CLI: python -m models.export (see models/README.md).

  python -m models.export --kontext <dir> --sliders <dir> --out <bundle> [--dtype fp32|fp16]
                          [--attention decomposed|multi-head] [--check-both-attention]
  python -m models.export --random-tiny --seed N --out <bundle> [--check-both-attention]
  python -m models.export --random-scale --double-blocks 2 --single-blocks 4 --t5-layers 2 --out <bundle>
                          [--precision transformer=fp16,t5TextEncoder=fp32,...] [--optimize] [--unchecked a,b]
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from pathlib import Path

import torch

from .bundle import export_bundle, remove_tree
from .check_inputs import Case
from .export_attention import ATTENTION_MODES
from .manifest import write_json

SAMPLE_TEXTS = [
    "Make the sky a deep blue",
    "",
    "Turn the CAT into a Dog, please!!  Now.",
    "änderung: café au lait ☕ 123",
    " ".join(["make the old red car shiny and golden with bright light in a winter night scene"] * 8),
]
TINY_CASES = [Case("export", 2, 48, 64, 32), Case("second", 3, 80, 96, 20), Case("batch1", 1, 64, 48, 32)]
REAL_CASES = [Case("export", 2, 256, 256, 64), Case("second", 1, 384, 256, 32)]
SCALE_CASES = [Case("export", 2, 256, 256, 64)]
MAX_REL_ERROR = {"fp32": 1e-3, "fp16": 3e-2, "bf16": 6e-2}
PRECISION_KEYS = ("clipTextEncoder", "t5TextEncoder", "sliderProjector", "transformer", "vae")
# T5-XXL's activations overflow float16 (a known property of the trained weights), so the text encoder that
# runs once per instruction stays fp32 unless asked otherwise; everything else follows --dtype.
DEFAULT_PRECISION_OVERRIDES = {"t5TextEncoder": "fp32"}


def parse_precision(text: str | None, dtype: str) -> dict[str, str]:
    """"transformer=fp16,vae=fp32" -> a dtype for every key of PRECISION_KEYS (defaults: --dtype, T5 fp32)."""
    chosen = {key: DEFAULT_PRECISION_OVERRIDES.get(key, dtype) for key in PRECISION_KEYS}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        key, _, value = part.partition("=")
        if key not in PRECISION_KEYS or value not in MAX_REL_ERROR:
            raise argparse.ArgumentTypeError(
                f"--precision: expected NAME=fp32|fp16|bf16 with NAME one of {', '.join(PRECISION_KEYS)}, got {part!r}")
        chosen[key] = value
    return chosen


def versions() -> dict:
    found = {"python": platform.python_version()}
    for name in ("torch", "diffusers", "transformers", "peft", "onnx", "onnxruntime", "onnxscript", "tokenizers",
                 "safetensors", "numpy", "PIL"):
        try:
            found[name] = importlib.import_module(name).__version__
        except Exception as error:  # noqa: BLE001 - reported, not fatal
            found[name] = f"unavailable ({type(error).__name__})"
    return found


def log(message: str) -> None:
    print(message, flush=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m models.export", description="Export a Kontinuous Kontext bundle")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--random-tiny", action="store_true", help="tiny random-weight bundle for tests")
    source.add_argument("--kontext", type=Path, help="FLUX.1-Kontext-dev in diffusers layout")
    source.add_argument("--random-scale", action="store_true",
                        help="random weights at the real model's widths (models/export/scale.py), for GPU benchmarks")
    parser.add_argument("--double-blocks", type=int, default=2, help="--random-scale: double-stream blocks (real 19)")
    parser.add_argument("--single-blocks", type=int, default=4, help="--random-scale: single-stream blocks (real 38)")
    parser.add_argument("--t5-layers", type=int, default=2, help="--random-scale: T5 encoder layers (real 24)")
    parser.add_argument("--precision", help="per-component weight dtypes, e.g. transformer=fp16,vae=fp32 "
                                            f"(names: {', '.join(PRECISION_KEYS)}; default --dtype, T5 fp32)")
    parser.add_argument("--optimize", action="store_true",
                        help="run onnxruntime's transformer optimizer over the transformer (recorded in model.json)")
    parser.add_argument("--unchecked", default="",
                        help="components to export without the CPU self-check (comma-separated; e.g. the scale "
                             "bundle's transformer, measured on the GPU by bench/gpu instead)")
    parser.add_argument("--sliders", type=Path, help="folder with slider_projector.pth + the LoRA .safetensors")
    parser.add_argument("--out", type=Path, required=True, help="bundle directory to write")
    parser.add_argument("--seed", type=int, default=7, help="seed for the tiny weights and the check inputs")
    parser.add_argument("--dtype", choices=("fp32", "fp16", "bf16"),
                        help="weight dtype (default: fp32 tiny, fp16 real and scale); --precision overrides per part")
    parser.add_argument("--attention", choices=ATTENTION_MODES,
                        help="default: decomposed for --random-tiny, multi-head for the real model")
    parser.add_argument("--check-both-attention", action="store_true",
                        help="also export + check the transformer in the other attention mode (tiny: kept in "
                             "<out>/extra/, real: written to <out>/.other-attention/ and deleted after the check)")
    parser.add_argument("--max-rel-error", type=float, help="self-check bound on max|onnx-torch|/max|torch|")
    parser.add_argument("--golden", action="store_true",
                        help="--random-tiny only: also write <out>/golden/ (models/export/golden.py) in this process")
    args = parser.parse_args(argv)
    if args.kontext is not None and args.sliders is None:
        parser.error("--kontext needs --sliders")
    try:
        args.precision_map = parse_precision(args.precision, args.dtype or ("fp32" if args.random_tiny else "fp16"))
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    torch.set_grad_enabled(False)
    started = time.time()
    found = versions()
    log(f"[export] versions: {json.dumps(found)}")
    tiny = args.random_tiny
    dtype = args.dtype or ("fp32" if tiny else "fp16")
    attention = args.attention or ("decomposed" if tiny else "multi-head")
    max_rel = args.max_rel_error or MAX_REL_ERROR[dtype]
    if tiny:
        if dtype != "fp32":
            log("[export] the tiny bundle is fp32 only")
            return 2
        from .tiny import build_calibrated_tiny

        log(f"[export] building tiny random components (seed {args.seed})")
        components, pipe, golden_inputs = build_calibrated_tiny(args.seed, log=log)
        cases = TINY_CASES
        other_dir = args.out / "extra" if args.check_both_attention else None
    elif args.random_scale:
        from .scale import build_scale

        log(f"[export] building scale components (seed {args.seed}): {args.precision_map}")
        components = build_scale(args.seed, double_blocks=args.double_blocks, single_blocks=args.single_blocks,
                                 t5_layers=args.t5_layers, precision=args.precision_map, log=log)
        cases = SCALE_CASES
        other_dir = None
    else:
        from .real import load_real

        log(f"[export] loading {args.kontext} + {args.sliders}")
        components = load_real(args.kontext, args.sliders, args.precision_map, log=log)
        cases = REAL_CASES
        other_dir = args.out / ".other-attention" if args.check_both_attention else None
    log(f"[export] exporting to {args.out} (dtype {dtype}, attention {attention}, bound {max_rel})")
    unchecked = frozenset(filter(None, (name.strip() for name in args.unchecked.split(","))))
    report = export_bundle(components, args.out, cases, dtype=dtype, attention=attention, max_rel_error=max_rel,
                           seed=args.seed, other_attention_dir=other_dir, sample_texts=SAMPLE_TEXTS,
                           unchecked=unchecked, optimize=args.optimize, log=log)
    if other_dir is not None and not tiny and not args.random_scale:
        remove_tree(other_dir)
    if tiny and args.golden:
        from .golden import golden_failures, write_golden

        log("[export] writing golden outputs")
        try:
            golden = write_golden(components, pipe, golden_inputs, args.out / "golden", args.seed, args.out, log=log)
            report["golden"] = {"problems": golden_failures(golden), "onnxReplayMaxAbs": golden["onnxReplayMaxAbs"]}
        except Exception as error:  # noqa: BLE001 - recorded in the report, exit code 1
            import traceback

            traceback.print_exc()
            report["golden"] = {"problems": [f"{type(error).__name__}: {error}"]}
        report["ok"] = report["ok"] and not report["golden"]["problems"]
    meta = {k: v for k, v in components.meta.items() if k not in ("defaults", "capabilities")}
    report.update({"versions": found, "dtype": dtype, "attention": attention, "maxRelError": max_rel,
                   "command": " ".join(sys.argv), "totalSeconds": round(time.time() - started, 1), "meta": meta})
    write_json(args.out / "export-report.json", report)
    log("[export] summary (max abs / max rel per check):")
    for name, result in {**report["components"], **({"transformer[other]": report["otherAttention"]}
                                                    if "otherAttention" in report else {})}.items():
        last = result["tries"][-1] if result["tries"] else {}
        for case, check in last.get("checks", {}).items():
            log(f"  {name:22s} {str(result['used']):32s} {case:7s} abs={check.get('maxAbs')} rel={check.get('maxRel')} "
                f"ok={check['ok']}")
    log(f"[export] {'OK' if report['ok'] else 'FAILED'} in {report['totalSeconds']}s")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
