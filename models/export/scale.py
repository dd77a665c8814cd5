"""A random-weight bundle at the real model's widths (issue 11): every component has FLUX.1 Kontext dev's
tensor sizes, only the depth of the transformer and of T5 is chosen, so the whole TypeScript pipeline runs at
real tensor sizes on a GPU without the gated weights. Outputs are noise; the point is speed and memory.

    python -m models.export --random-scale --double-blocks 2 --single-blocks 4 --t5-layers 2 --out /tmp/scale

Widths (from the released configs): transformer hidden 3072 = 24 heads x 128, joint attention 4096, pooled
768, in_channels 64, RoPE axes (16, 56, 56); T5-XXL encoder d_model 4096, 64 heads x 64, d_ff 10240,
gated-gelu, vocabulary 32128; CLIP-L text 768 wide, 12 layers, vocabulary 49408; the FLUX VAE (128, 256, 512,
512 channels, 2 layers per block, 16 latent channels); the slider projector 768 + 768 -> 6144 x 4.
Tokenizers are the tiny test vocabularies (the real ones are gated too); their ids index the full-size tables.
"""

from __future__ import annotations

import torch

from .components import FLUX_SCHEDULER, Components
from .slider import SliderProjector, add_slider_conditioning
from .tokenizer_files import (
    CLIP_BOS, CLIP_EOS, CLIP_UNK, T5_EOS, T5_PAD, T5_UNK, build_tiny_clip_tokenizer, build_tiny_t5_tokenizer,
    hf_tokenizer, with_fixed_length,
)

HEADS, HEAD_DIM = 24, 128
JOINT_DIM, POOLED_DIM = 4096, 768
CLIP_VOCAB, T5_VOCAB = 49408, 32128
CLIP_MAX_LENGTH, T5_MAX_LENGTH = 77, 512
REAL_DEPTH = {"double": 19, "single": 38, "t5": 24}
TORCH_DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def build_scale(seed: int, *, double_blocks: int, single_blocks: int, t5_layers: int,
                precision: dict[str, str], log=print) -> Components:
    """Random components at the real widths; `precision` maps component name -> fp32 | fp16 | bf16."""
    from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxTransformer2DModel
    from transformers import CLIPTextConfig, CLIPTextModel, T5Config, T5EncoderModel

    clip_tok = build_tiny_clip_tokenizer()
    t5_tok = build_tiny_t5_tokenizer()
    clip_vocab = clip_tok.get_vocab()
    eos_id = clip_vocab[CLIP_EOS]

    def made(name: str, module: torch.nn.Module) -> torch.nn.Module:
        params = sum(p.numel() for p in module.parameters())
        log(f"  {name}: {params / 1e6:.1f}M parameters, {precision[name]}")
        return module.to(TORCH_DTYPES[precision[name]]).eval()

    torch.manual_seed(seed)
    clip = made("clipTextEncoder", CLIPTextModel(CLIPTextConfig(
        vocab_size=CLIP_VOCAB, hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
        max_position_embeddings=CLIP_MAX_LENGTH, hidden_act="quick_gelu", projection_dim=768,
        bos_token_id=clip_vocab[CLIP_BOS], eos_token_id=eos_id, pad_token_id=eos_id,
    )))
    torch.manual_seed(seed + 1)
    t5 = made("t5TextEncoder", T5EncoderModel(T5Config(
        vocab_size=T5_VOCAB, d_model=JOINT_DIM, d_kv=64, d_ff=10240, num_layers=t5_layers, num_heads=64,
        relative_attention_num_buckets=32, relative_attention_max_distance=128, feed_forward_proj="gated-gelu",
        is_encoder_decoder=False, use_cache=False, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
        tie_word_embeddings=False,
    )))
    torch.manual_seed(seed + 2)
    vae = AutoencoderKL(
        in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4, block_out_channels=(128, 256, 512, 512), layers_per_block=2,
        act_fn="silu", latent_channels=16, norm_num_groups=32, sample_size=1024, scaling_factor=0.3611,
        shift_factor=0.1159, use_quant_conv=False, use_post_quant_conv=False, mid_block_add_attention=True,
    )
    vae = made("vae", vae)
    torch.manual_seed(seed + 3)
    transformer = FluxTransformer2DModel(
        patch_size=1, in_channels=64, num_layers=double_blocks, num_single_layers=single_blocks,
        attention_head_dim=HEAD_DIM, num_attention_heads=HEADS, joint_attention_dim=JOINT_DIM,
        pooled_projection_dim=POOLED_DIM, guidance_embeds=True, axes_dims_rope=(16, 56, 56),
    )
    add_slider_conditioning(transformer)
    transformer = made("transformer", transformer)
    torch.manual_seed(seed + 4)
    projector = made("sliderProjector", SliderProjector(pooled_dim=POOLED_DIM, pe_width=POOLED_DIM,
                                                        out_dim=2 * HEADS * HEAD_DIM))
    return Components(
        transformer=transformer, projector=projector, clip=clip, t5=t5, vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(**FLUX_SCHEDULER),
        clip_tokenizer=with_fixed_length(clip_tok, CLIP_MAX_LENGTH, eos_id, CLIP_EOS),
        t5_tokenizer=with_fixed_length(t5_tok, T5_MAX_LENGTH, 0, T5_PAD),
        clip_hf_tokenizer=hf_tokenizer(clip_tok, CLIP_MAX_LENGTH, bos_token=CLIP_BOS, eos_token=CLIP_EOS,
                                       pad_token=CLIP_EOS, unk_token=CLIP_UNK),
        t5_hf_tokenizer=hf_tokenizer(t5_tok, T5_MAX_LENGTH, eos_token=T5_EOS, pad_token=T5_PAD, unk_token=T5_UNK),
        clip_max_length=CLIP_MAX_LENGTH, t5_max_length=T5_MAX_LENGTH, clip_pad_id=eos_id, t5_pad_id=0,
        meta={
            "id": "scale-random",
            "version": f"seed-{seed}-d{double_blocks}-s{single_blocks}-t5x{t5_layers}",
            "license": "CC0-1.0 (random weights generated by models/export; no third-party weights)",
            "defaults": {"steps": 28, "guidance": 2.5, "maxArea": 1024 * 1024, "sweepFrames": 6},
            "capabilities": {
                "summary": "Random weights at FLUX.1 Kontext dev's widths, for speed and memory measurements only.",
                "edits": [{"name": "test", "examples": ["Make the sky a deep blue"]}],
            },
            "seed": seed,
            "depth": {"doubleBlocks": double_blocks, "singleBlocks": single_blocks, "t5Layers": t5_layers,
                      "real": REAL_DEPTH},
        },
    )
