"""The PyTorch side of a bundle: every model, both tokenizers and the bundle facts, in one object."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

# diffusers' PEFT target modules used for the Kontinuous Kontext LoRA (rank 4).
LORA_TARGETS = [
    "attn.to_k", "attn.to_q", "attn.to_v", "attn.to_out.0", "attn.add_k_proj", "attn.add_q_proj",
    "attn.add_v_proj", "attn.to_add_out", "ff.net.0.proj", "ff.net.2", "ff_context.net.0.proj",
    "ff_context.net.2",
]
LORA_WEIGHT_NAME = "pytorch_lora_weights.safetensors"

FLUX_SCHEDULER = {
    "num_train_timesteps": 1000, "shift": 3.0, "use_dynamic_shifting": True, "base_shift": 0.5,
    "max_shift": 1.15, "base_image_seq_len": 256, "max_image_seq_len": 4096,
}


@dataclass
class Components:
    transformer: nn.Module  # FluxTransformer2DModel with slider conditioning (LoRA fused)
    projector: nn.Module  # SliderProjector
    clip: nn.Module  # transformers CLIPTextModel
    t5: nn.Module  # transformers T5EncoderModel
    vae: nn.Module  # diffusers AutoencoderKL
    scheduler: Any  # diffusers FlowMatchEulerDiscreteScheduler
    clip_tokenizer: Any  # tokenizers.Tokenizer, fixed length
    t5_tokenizer: Any  # tokenizers.Tokenizer, fixed length
    clip_hf_tokenizer: Any  # transformers tokenizer (for the pipeline)
    t5_hf_tokenizer: Any
    clip_max_length: int
    t5_max_length: int
    clip_pad_id: int
    t5_pad_id: int
    meta: dict = field(default_factory=dict)  # id, version, license, defaults, capabilities, notes

    @property
    def latent_channels(self) -> int:
        return int(self.vae.config.latent_channels)

    @property
    def vae_scale_factor(self) -> int:
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    @property
    def inner_dim(self) -> int:
        c = self.transformer.config
        return int(c.num_attention_heads * c.attention_head_dim)


def load_and_fuse_lora(transformer: nn.Module, lora_dir: Path, weight_name: str | None = None) -> str:
    """Loads a diffusers/PEFT LoRA (keys `transformer.<module>.lora_A/B.weight`), fuses it, drops PEFT layers."""
    lora_dir = Path(lora_dir)
    if weight_name is None:
        weight_name = LORA_WEIGHT_NAME
        if not (lora_dir / weight_name).exists():
            candidates = sorted(p.name for p in lora_dir.glob("*.safetensors"))
            if len(candidates) != 1:
                raise FileNotFoundError(f"no {LORA_WEIGHT_NAME} in {lora_dir} (found {candidates})")
            weight_name = candidates[0]
    transformer.load_lora_adapter(str(lora_dir), weight_name=weight_name, prefix="transformer",
                                  adapter_name="kontinuous")
    transformer.fuse_lora(lora_scale=1.0, adapter_names=["kontinuous"])
    transformer.unload_lora()
    return weight_name


def make_test_lora(transformer: nn.Module, seed: int, out_dir: Path, rank: int = 4) -> nn.Module:
    """Saves a random rank-`rank` LoRA for `transformer` in the release's format; returns the PEFT model."""
    from diffusers import FluxKontextPipeline
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    with_lora = copy.deepcopy(transformer)
    with_lora.add_adapter(LoraConfig(r=rank, lora_alpha=rank, init_lora_weights="gaussian",
                                     target_modules=LORA_TARGETS))
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in with_lora.named_parameters():
            if "lora_B" in name:  # PEFT zero-initialises B; make the adapter actually change the output
                param.copy_(torch.randn(param.shape, generator=generator) * 0.05)
    FluxKontextPipeline.save_lora_weights(str(out_dir), transformer_lora_layers=get_peft_model_state_dict(with_lora))
    return with_lora
