"""model.json (format version 1, mirrored by models/bundle-manifest.ts) and its sha256 file list."""

from __future__ import annotations

import json
from pathlib import Path

from .components import Components
from .file_hashes import file_list

BUNDLE_FORMAT = "kontinuous-kontext-bundle"
BUNDLE_FORMAT_VERSION = 1
COMPONENT_NAMES = ("clipTextEncoder", "t5TextEncoder", "sliderProjector", "transformer", "vaeEncoder", "vaeDecoder")
TOKENIZER_FILES = {"clip": "tokenizer/tokenizer.json", "t5": "tokenizer_2/tokenizer.json"}


PRECISIONS = {"torch.float32": "fp32", "torch.float16": "fp16", "torch.bfloat16": "bf16"}


def component_precision(c: Components, name: str) -> str:
    """The dtype the component's weights (and so its computation) are stored in: fp32 | fp16 | bf16."""
    owner = {"clipTextEncoder": c.clip, "t5TextEncoder": c.t5, "sliderProjector": c.projector,
             "transformer": c.transformer, "vaeEncoder": c.vae, "vaeDecoder": c.vae}[name]
    return PRECISIONS[str(next(owner.parameters()).dtype)]


def component_entry(c: Components, specs: dict, name: str, record_precision: bool) -> dict:
    entry = {"file": specs[name]["file"], "inputs": specs[name]["inputs"], "outputs": specs[name]["outputs"]}
    if record_precision:
        entry["precision"] = component_precision(c, name)
    optimizations = c.meta.get("optimizations", {}).get(name)
    if optimizations:
        entry["optimizations"] = list(optimizations)
    return entry


def build_manifest(c: Components, specs: dict, *, dtype: str, attention: str, bundle: Path,
                   record_precision: bool = True) -> dict:
    missing = [name for name in COMPONENT_NAMES if name not in specs]
    if missing:
        raise ValueError(f"missing components: {missing}")
    t = c.transformer.config
    s = c.scheduler.config
    needed = [TOKENIZER_FILES["clip"], TOKENIZER_FILES["t5"]]
    for name in COMPONENT_NAMES:
        onnx_file = specs[name]["file"]
        needed.append(onnx_file)
        data = bundle / (onnx_file + ".data")
        if data.exists():
            needed.append(onnx_file + ".data")
    manifest = {
        "format": BUNDLE_FORMAT,
        "formatVersion": BUNDLE_FORMAT_VERSION,
        "id": c.meta["id"],
        "version": c.meta["version"],
        "architecture": "flux-kontext-slider",
        "license": c.meta["license"],
        "dtype": dtype,
        "attention": attention,
        "components": {name: component_entry(c, specs, name, record_precision) for name in COMPONENT_NAMES},
        "tokenizers": {
            "clip": {"file": TOKENIZER_FILES["clip"], "maxLength": c.clip_max_length, "padTokenId": c.clip_pad_id},
            "t5": {"file": TOKENIZER_FILES["t5"], "maxLength": c.t5_max_length, "padTokenId": c.t5_pad_id},
        },
        "vae": {
            "latentChannels": c.latent_channels,
            "scaleFactor": c.vae_scale_factor,
            "scalingFactor": float(c.vae.config.scaling_factor),
            "shiftFactor": float(c.vae.config.shift_factor),
        },
        "transformer": {
            "innerDim": c.inner_dim,
            "pooledDim": int(t.pooled_projection_dim),
            "jointAttentionDim": int(t.joint_attention_dim),
            "numHeads": int(t.num_attention_heads),
            "doubleBlocks": int(t.num_layers),
            "singleBlocks": int(t.num_single_layers),
            "guidanceEmbeds": bool(t.guidance_embeds),
        },
        "scheduler": {
            "type": "flow-match-euler",
            "numTrainTimesteps": int(s.num_train_timesteps),
            "shift": float(s.shift),
            "useDynamicShifting": bool(s.use_dynamic_shifting),
            "baseImageSeqLen": int(s.base_image_seq_len),
            "maxImageSeqLen": int(s.max_image_seq_len),
            "baseShift": float(s.base_shift),
            "maxShift": float(s.max_shift),
        },
        "defaults": dict(c.meta["defaults"]),
        "files": file_list(bundle, needed),
    }
    if c.meta.get("capabilities"):
        manifest["capabilities"] = c.meta["capabilities"]
    return manifest


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
