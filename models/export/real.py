"""Loads the real FLUX.1 Kontext dev (diffusers layout) + the Kontinuous Kontext release into Components."""

from __future__ import annotations

from pathlib import Path

import torch

from .components import Components, load_and_fuse_lora
from .slider import SliderProjector, add_slider_conditioning
from .tokenizer_files import pretrained_tokenizer, with_fixed_length

TORCH_DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}



def load_real(kontext: Path, sliders: Path, precision: dict[str, str], log=print) -> Components:
    """`precision` maps clipTextEncoder, t5TextEncoder, sliderProjector, transformer, vae -> fp32|fp16|bf16;
    each part is loaded straight into its dtype (no detour through another)."""
    from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxTransformer2DModel
    from transformers import CLIPTextModel, T5EncoderModel

    dtypes = {key: TORCH_DTYPES[value] for key, value in precision.items()}
    log(f"  loading transformer from {kontext}/transformer ({precision['transformer']})")
    transformer = FluxTransformer2DModel.from_pretrained(str(kontext), subfolder="transformer",
                                                         torch_dtype=dtypes["transformer"]).eval()
    add_slider_conditioning(transformer)
    log(f"  fusing LoRA from {sliders}")
    weight_name = load_and_fuse_lora(transformer, sliders)

    projector = SliderProjector(pooled_dim=transformer.config.pooled_projection_dim,
                                pe_width=transformer.config.pooled_projection_dim,
                                out_dim=2 * transformer.config.num_attention_heads
                                * transformer.config.attention_head_dim)
    state = torch.load(str(Path(sliders) / "slider_projector.pth"), map_location="cpu", weights_only=True)
    projector.load_state_dict(state)
    projector = projector.to(dtypes["sliderProjector"]).eval()

    log("  loading text encoders and VAE")
    clip = CLIPTextModel.from_pretrained(str(kontext), subfolder="text_encoder",
                                         torch_dtype=dtypes["clipTextEncoder"]).eval()
    t5 = T5EncoderModel.from_pretrained(str(kontext), subfolder="text_encoder_2",
                                        torch_dtype=dtypes["t5TextEncoder"]).eval()
    vae = AutoencoderKL.from_pretrained(str(kontext), subfolder="vae", torch_dtype=dtypes["vae"]).eval()
    scheduler = FlowMatchEulerDiscreteScheduler.from_pretrained(str(kontext), subfolder="scheduler")

    clip_tok, clip_hf = pretrained_tokenizer(Path(kontext) / "tokenizer")
    t5_tok, t5_hf = pretrained_tokenizer(Path(kontext) / "tokenizer_2")
    clip_len = int(clip_hf.model_max_length) if clip_hf.model_max_length < 10_000 else 77
    t5_len = 512  # FluxKontextPipeline's max_sequence_length default
    clip_pad = int(clip_hf.pad_token_id)
    t5_pad = int(t5_hf.pad_token_id)
    return Components(
        transformer=transformer, projector=projector, clip=clip, t5=t5, vae=vae, scheduler=scheduler,
        clip_tokenizer=with_fixed_length(clip_tok, clip_len, clip_pad, clip_hf.pad_token),
        t5_tokenizer=with_fixed_length(t5_tok, t5_len, t5_pad, t5_hf.pad_token),
        clip_hf_tokenizer=clip_hf, t5_hf_tokenizer=t5_hf,
        clip_max_length=clip_len, t5_max_length=t5_len, clip_pad_id=clip_pad, t5_pad_id=t5_pad,
        meta={
            "id": "kontinuous-kontext-dev",
            "version": f"{precision['transformer']}-{Path(kontext).name}",
            "license": "FLUX.1 [dev] Non-Commercial License (base weights); Snap Inc. Non-Commercial License "
                       "(Kontinuous Kontext projector + LoRA). Non-commercial use only.",
            "defaults": {"steps": 28, "guidance": 2.5, "maxArea": 1024 * 1024, "sweepFrames": 6},
            "capabilities": {
                "summary": "Instruction-based image editing with continuous strength (0 = no edit, 1 = full edit).",
                "edits": [
                    {"name": "style", "examples": ["Transform the image into a studio ghibli style animation"]},
                    {"name": "material", "examples": ["Transform her dress as if it is made up of a shiny golden material"]},
                    {"name": "attribute", "examples": ["Transform her hair into red and curly"]},
                    {"name": "scene", "examples": ["Transform the sea into a stormy sea with heavy waves"]},
                    {"name": "lighting", "examples": ["Turn on the lamp with bright yellow light"]},
                ],
            },
            "lora": {"weightName": weight_name},
        },
    )
