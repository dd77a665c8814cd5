"""Exports every graph of a bundle, self-checks each against PyTorch, writes tokenizers and model.json."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import torch

from . import encoders
from .check_inputs import Case, make_inputs
from .components import Components
from .export_attention import export_mode, mha_implementations
from .manifest import TOKENIZER_FILES, build_manifest, write_json
from .onnx_export import export_graph, tensor_spec
from .optimize import optimize_transformer
from .selfcheck import compare, forget_sessions
from .slider import FloatIO, SliderFluxTransformer, set_slider_modulation
from .tokenizer_files import write_tokenizer

EXTERNAL_DATA_BYTES = 1_500_000_000  # above this many parameter bytes a graph keeps its weights in <file>.data


def specs_for(c: Components) -> dict:
    pooled = int(c.transformer.config.pooled_projection_dim)
    joint = int(c.transformer.config.joint_attention_dim)
    packed = int(c.transformer.config.in_channels)
    ch = c.latent_channels
    image = ["batch", 3, "height", "width"]
    latent = ["batch", ch, "latent_height", "latent_width"]
    return {
        "clipTextEncoder": {"file": "clip_text_encoder.onnx",
                            "inputs": [tensor_spec("input_ids", "int64", ["batch", c.clip_max_length])],
                            "outputs": [tensor_spec("pooled", "float32", ["batch", pooled])]},
        "t5TextEncoder": {"file": "t5_text_encoder.onnx",
                          "inputs": [tensor_spec("input_ids", "int64", ["batch", "t5_seq"])],
                          "outputs": [tensor_spec("last_hidden_state", "float32", ["batch", "t5_seq", joint])]},
        "sliderProjector": {"file": "slider_projector.onnx",
                            "inputs": [tensor_spec("strength", "float32", ["batch"]),
                                       tensor_spec("pooled", "float32", ["batch", pooled])],
                            "outputs": [tensor_spec("modulation", "float32", ["batch", 2 * c.inner_dim])]},
        "transformer": {"file": "transformer.onnx",
                        "inputs": [tensor_spec("hidden_states", "float32", ["batch", "img_seq", packed]),
                                   tensor_spec("encoder_hidden_states", "float32", ["batch", "txt_seq", joint]),
                                   tensor_spec("pooled_projections", "float32", ["batch", pooled]),
                                   tensor_spec("timestep", "float32", ["batch"]),
                                   tensor_spec("img_ids", "float32", ["img_seq", 3]),
                                   tensor_spec("txt_ids", "float32", ["txt_seq", 3]),
                                   tensor_spec("guidance", "float32", ["batch"]),
                                   tensor_spec("modulation", "float32", ["batch", 2 * c.inner_dim])],
                        "outputs": [tensor_spec("sample", "float32", ["batch", "img_seq", packed])]},
        "vaeEncoder": {"file": "vae_encoder.onnx", "inputs": [tensor_spec("sample", "float32", image)],
                       "outputs": [tensor_spec("latent_mean", "float32", latent)]},
        "vaeDecoder": {"file": "vae_decoder.onnx", "inputs": [tensor_spec("latent", "float32", latent)],
                       "outputs": [tensor_spec("sample", "float32", image)]},
    }


def transformer_reference(c: Components):
    """PyTorch reference for the transformer graph: the slider modulation set for one call, then cleared."""
    def run(**inputs):
        set_slider_modulation(c.transformer, inputs.pop("modulation"))
        try:
            return c.transformer(**inputs, return_dict=False)[0]
        finally:
            set_slider_modulation(c.transformer, None)

    return run


def transformer_candidates(c: Components, attention: str) -> list[tuple]:
    def module():
        return SliderFluxTransformer(c.transformer)

    if attention == "decomposed":
        return [("decomposed", module, lambda: export_mode(c.transformer, "decomposed"), None)]
    return [(f"multi-head/{label}", module, (lambda fn=fn: export_mode(c.transformer, "multi-head", fn)), table)
            for label, fn, table in mha_implementations()]


def candidates_for(c: Components, name: str, attention: str) -> tuple[list[tuple], object]:
    """[(label, module, patches, translation table)], PyTorch reference (the unmodified forward)."""
    if name == "clipTextEncoder":
        return ([("own-forward", lambda: encoders.ClipPooledEncoder(c.clip), None, None),
                 ("hf-forward", lambda: encoders.ClipHfPooled(c.clip), None, None)],
                lambda input_ids: c.clip(input_ids=input_ids).pooler_output)
    if name == "t5TextEncoder":
        return ([("hf-forward", lambda: encoders.T5HfEncoder(c.t5), None, None),
                 ("own-forward", lambda: encoders.T5OwnEncoder(c.t5), None, None)],
                lambda input_ids: c.t5(input_ids=input_ids).last_hidden_state)
    if name == "sliderProjector":
        return ([("projector", lambda: FloatIO(c.projector), None, None)],
                lambda strength, pooled: c.projector(strength, pooled))
    if name == "transformer":
        return transformer_candidates(c, attention), transformer_reference(c)
    if name == "vaeEncoder":
        return ([("encode-mean", lambda: encoders.VaeEncoderMean(c.vae), encoders.vae_export_patches, None)],
                lambda sample: c.vae.encode(sample).latent_dist.mode())
    if name == "vaeDecoder":
        return ([("decode", lambda: encoders.VaeDecoder(c.vae), encoders.vae_export_patches, None)],
                lambda latent: c.vae.decode(latent, return_dict=False)[0])
    raise KeyError(name)


def _owner(c: Components, name: str) -> torch.nn.Module:
    return {"clipTextEncoder": c.clip, "t5TextEncoder": c.t5, "sliderProjector": c.projector,
            "transformer": c.transformer, "vaeEncoder": c.vae, "vaeDecoder": c.vae}[name]


def _casting(reference, dtype: torch.dtype):
    """The reference takes the graph's float32 inputs; cast them to the weights' dtype first."""

    def run(**inputs):
        return reference(**{k: v.to(dtype) if v.is_floating_point() and k not in ("img_ids", "txt_ids") else v
                            for k, v in inputs.items()})

    return run


def _param_bytes(module: torch.nn.Module) -> int:
    return sum(p.numel() * p.element_size() for p in module.parameters())


def export_and_check(c: Components, name: str, spec: dict, path: Path, cases: list[Case], *, attention: str,
                     max_rel_error: float, seed: int, check: bool = True, log=print) -> dict:
    """Exports with the first candidate that works; with `check`, also runs it in ONNX Runtime (CPU) on every
    case against PyTorch. Without it the graph is only exported (the scale bundle's large fp16 graphs, whose
    accuracy bench/gpu/ measures on the GPU against fp32 references instead)."""
    candidates, reference = candidates_for(c, name, attention)
    reference = _casting(reference, next(_owner(c, name).parameters()).dtype)
    output_name = spec["outputs"][0]["name"]
    tries = []
    for label, make_module, patches, table in candidates:
        log(f"  [{name}] export via {label} -> {path.name}")
        example_np = make_inputs(name, cases[0], c, np.random.default_rng(seed))
        example = {k: torch.from_numpy(v) for k, v in example_np.items()}
        try:
            module = make_module()
            external = _param_bytes(module) > EXTERNAL_DATA_BYTES
            exported = export_graph(module, example, spec["inputs"], spec["outputs"], path, external_data=external,
                                    translation_table=table, patches=patches, log=log)
        except Exception as error:  # noqa: BLE001 - next candidate
            log(f"    {label} failed: {type(error).__name__}: {str(error)[:300]}")
            tries.append({"candidate": label, "exportError": f"{type(error).__name__}: {str(error)[:3000]}"})
            continue
        checks = {}
        for index, case in enumerate(cases if check else []):
            inputs = make_inputs(name, case, c, np.random.default_rng(seed + 100 + index))
            try:
                checks[case.name] = compare(path, reference, inputs, output_name, max_rel_error)
            except Exception as error:  # noqa: BLE001 - recorded as a failed check
                checks[case.name] = {"ok": False, "error": f"{type(error).__name__}: {str(error)[:1500]}"}
            log(f"    check {case.name} (batch {case.batch}, {case.height}x{case.width}, text {case.text_len}): "
                f"{checks[case.name]}")
        forget_sessions()
        ok = all(result["ok"] for result in checks.values()) and not exported["problems"]
        tries.append({"candidate": label, "ok": ok, "export": exported, "checks": checks, "checked": check})
        if ok:
            return {"ok": True, "used": label, "tries": tries}
    return {"ok": False, "used": tries[-1]["candidate"] if tries else None, "tries": tries}


def optimize_and_recheck(c: Components, spec: dict, out: Path, cases: list[Case], *, max_rel_error: float, seed: int,
                         check: bool, log=print) -> dict:
    """Runs onnxruntime's transformer optimizer over the exported transformer, records it for model.json, and
    (with `check`) compares the optimized graph with PyTorch again on every case."""
    path = out / spec["file"]
    result = optimize_transformer(path, num_heads=int(c.transformer.config.num_attention_heads),
                                  hidden_size=c.inner_dim, log=log)
    c.meta.setdefault("optimizations", {})["transformer"] = [result["description"]]
    if check:
        _, reference = candidates_for(c, "transformer", "multi-head")
        reference = _casting(reference, next(c.transformer.parameters()).dtype)
        result["checks"] = {}
        for index, case in enumerate(cases):
            inputs = make_inputs("transformer", case, c, np.random.default_rng(seed + 100 + index))
            result["checks"][case.name] = compare(path, reference, inputs, spec["outputs"][0]["name"], max_rel_error)
            log(f"    optimized check {case.name}: {result['checks'][case.name]}")
        forget_sessions()
    result["ok"] = all(check["ok"] for check in result.get("checks", {}).values())
    return result


def verify_tokenizer(fixed_tokenizer, hf_tokenizer, max_length: int, texts: list[str]) -> dict:
    mismatches = []
    for text in texts:
        raw = fixed_tokenizer.encode(text).ids
        hf = hf_tokenizer(text, padding="max_length", max_length=max_length, truncation=True)["input_ids"]
        if list(raw) != list(hf) or len(raw) != max_length:
            mismatches.append({"text": text, "tokenizerJson": list(raw), "transformers": list(hf)})
    return {"ok": not mismatches, "mismatches": mismatches}


def export_bundle(c: Components, out: Path, cases: list[Case], *, dtype: str, attention: str, max_rel_error: float,
                  seed: int, other_attention_dir: Path | None, sample_texts: list[str],
                  unchecked: frozenset[str] = frozenset(), record_precision: bool = True, optimize: bool = False,
                  log=print) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    specs = specs_for(c)
    report: dict = {"components": {}, "tokenizers": {}, "cases": [case.__dict__ for case in cases],
                    "layouts": {"clip": encoders.describe(c.clip), "t5": encoders.describe(c.t5)}}
    log(f"  CLIP layout: {report['layouts']['clip']}")
    log(f"  T5 layout: {report['layouts']['t5']}")
    for name, spec in specs.items():
        report["components"][name] = export_and_check(c, name, spec, out / spec["file"], cases, attention=attention,
                                                      max_rel_error=max_rel_error, seed=seed,
                                                      check=name not in unchecked, log=log)
    if optimize and report["components"]["transformer"]["ok"]:
        report["optimization"] = optimize_and_recheck(c, specs["transformer"], out, cases, max_rel_error=max_rel_error,
                                                      seed=seed, check="transformer" not in unchecked, log=log)
    if other_attention_dir is not None:
        other = "multi-head" if attention == "decomposed" else "decomposed"
        path = other_attention_dir / f"transformer-{other}.onnx"
        log(f"  [transformer] other attention mode: {other}")
        report["otherAttention"] = {"mode": other, "file": str(path), **export_and_check(
            c, "transformer", specs["transformer"], path, cases, attention=other, max_rel_error=max_rel_error,
            seed=seed, log=log)}
    for key, fixed, hf, length in (("clip", c.clip_tokenizer, c.clip_hf_tokenizer, c.clip_max_length),
                                   ("t5", c.t5_tokenizer, c.t5_hf_tokenizer, c.t5_max_length)):
        write_tokenizer(fixed, out / TOKENIZER_FILES[key])
        report["tokenizers"][key] = verify_tokenizer(fixed, hf, length, sample_texts)
        log(f"  tokenizer {key}: {report['tokenizers'][key]['ok']}")
    manifest = build_manifest(c, specs, dtype=dtype, attention=attention, bundle=out,
                              record_precision=record_precision)
    write_json(out / "model.json", manifest)
    report["seconds"] = round(time.time() - started, 1)
    report["ok"] = (all(r["ok"] for r in report["components"].values())
                    and all(t["ok"] for t in report["tokenizers"].values())
                    and report.get("otherAttention", {}).get("ok", True)
                    and report.get("optimization", {}).get("ok", True))
    return report


def remove_tree(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)
