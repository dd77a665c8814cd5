"""kk-tiny components: the exporter's classes (models/export) with small configs, a small convolutional
autoencoder grown from a PCA block codec in the VAE's place (codec.py), and word-level tokenizers for the edit
vocabulary."""

from __future__ import annotations

import json

import torch
from torch import nn

from models.export.components import FLUX_SCHEDULER, Components
from models.export.slider import SliderProjector, add_slider_conditioning
from models.export.tokenizer_files import (
    CLIP_BOS, CLIP_EOS, CLIP_UNK, T5_EOS, T5_PAD, T5_UNK, hf_tokenizer, with_fixed_length,
)

from .codec import ConvCodec

# Sizes (see MODEL_CARD.md for the FLOP estimate behind them).
LATENT_CHANNELS = 48  # latent channels per 8x8 area (the PCA core's components); packed 2x2 -> 192 per token
SCALE_FACTOR = 8
HEADS, HEAD_DIM = 4, 64  # inner dim 256
AXES_DIMS_ROPE = (16, 24, 24)
DOUBLE_BLOCKS, SINGLE_BLOCKS = 2, 2
TEXT_DIM = 128  # CLIP hidden (= pooled dim) and T5 d_model (= joint attention dim)
TEXT_LAYERS = 2
CLIP_MAX_LENGTH = 16
T5_MAX_LENGTH = 16
GUIDANCE = 2.5


def build_tokenizers(words: list[str]) -> dict:
    """Word-level tokenizers (WordPiece without sub-words: an unknown word becomes the UNK token).
    Text is NFKC-normalised, lower-cased, every run of non a-z characters becomes a space."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

    def base(vocab: dict[str, int], unk: str) -> Tokenizer:
        tok = Tokenizer(models.WordPiece(vocab, unk_token=unk, continuing_subword_prefix="##",
                                         max_input_chars_per_word=100))
        tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase(),
                                               normalizers.Replace(Regex("[^a-z]+"), " ")])
        tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
        return tok

    # CLIP-like: words first, then UNK, BOS, EOS (EOS the largest id: pooled = hidden state at argmax(ids)).
    clip_vocab = {w: i for i, w in enumerate(words)}
    unk, bos, eos = len(words), len(words) + 1, len(words) + 2
    clip_vocab.update({CLIP_UNK: unk, CLIP_BOS: bos, CLIP_EOS: eos})
    clip = base(clip_vocab, CLIP_UNK)
    clip.add_special_tokens([CLIP_UNK, CLIP_BOS, CLIP_EOS])
    clip.post_processor = processors.TemplateProcessing(
        single=f"{CLIP_BOS} $A {CLIP_EOS}", pair=f"{CLIP_BOS} $A {CLIP_EOS} $B {CLIP_EOS}",
        special_tokens=[(CLIP_BOS, bos), (CLIP_EOS, eos)])
    # T5-like: <pad>=0, </s>=1, <unk>=2, then the words; appends </s>.
    t5_vocab = {T5_PAD: 0, T5_EOS: 1, T5_UNK: 2}
    t5_vocab.update({w: i + 3 for i, w in enumerate(words)})
    t5 = base(t5_vocab, T5_UNK)
    t5.add_special_tokens([T5_PAD, T5_EOS, T5_UNK])
    t5.post_processor = processors.TemplateProcessing(
        single=f"$A {T5_EOS}", pair=f"$A {T5_EOS} $B {T5_EOS}", special_tokens=[(T5_EOS, 1)])
    return {
        "clip_tok": clip, "t5_tok": t5, "clip_eos": eos, "clip_bos": bos,
        "clip_fixed": with_fixed_length(clip, CLIP_MAX_LENGTH, eos, CLIP_EOS),
        "t5_fixed": with_fixed_length(t5, T5_MAX_LENGTH, 0, T5_PAD),
    }


def build_models(vocab_words: list[str], seed: int) -> dict:
    from diffusers import FluxTransformer2DModel
    from transformers import CLIPTextConfig, CLIPTextModel, T5Config, T5EncoderModel

    toks = build_tokenizers(vocab_words)
    torch.manual_seed(seed)
    clip = CLIPTextModel(CLIPTextConfig(
        vocab_size=toks["clip_tok"].get_vocab_size(), hidden_size=TEXT_DIM, intermediate_size=2 * TEXT_DIM,
        num_hidden_layers=TEXT_LAYERS, num_attention_heads=4, max_position_embeddings=CLIP_MAX_LENGTH,
        hidden_act="quick_gelu", projection_dim=TEXT_DIM, bos_token_id=toks["clip_bos"],
        eos_token_id=toks["clip_eos"], pad_token_id=toks["clip_eos"]))
    t5 = T5EncoderModel(T5Config(
        vocab_size=toks["t5_tok"].get_vocab_size(), d_model=TEXT_DIM, d_kv=32, d_ff=2 * TEXT_DIM,
        num_layers=TEXT_LAYERS, num_heads=4, relative_attention_num_buckets=8, relative_attention_max_distance=16,
        feed_forward_proj="gated-gelu", is_encoder_decoder=False, use_cache=False, pad_token_id=0,
        eos_token_id=1, decoder_start_token_id=0, tie_word_embeddings=False))
    transformer = FluxTransformer2DModel(
        patch_size=1, in_channels=4 * LATENT_CHANNELS, num_layers=DOUBLE_BLOCKS, num_single_layers=SINGLE_BLOCKS,
        attention_head_dim=HEAD_DIM, num_attention_heads=HEADS, joint_attention_dim=TEXT_DIM,
        pooled_projection_dim=TEXT_DIM, guidance_embeds=True, axes_dims_rope=AXES_DIMS_ROPE)
    _adaln_zero(transformer)
    add_slider_conditioning(transformer)
    projector = SliderProjector(pooled_dim=TEXT_DIM, pe_width=TEXT_DIM, out_dim=2 * HEADS * HEAD_DIM, n_layers=4)
    codec = ConvCodec(LATENT_CHANNELS)
    return {"clip": clip, "t5": t5, "transformer": transformer, "projector": projector, "codec": codec, **toks}


def _adaln_zero(transformer: nn.Module) -> None:
    """DiT's adaLN-Zero: every modulation and the output projection start at zero (blocks start as identity)."""
    with torch.no_grad():
        for name, module in transformer.named_modules():
            if isinstance(module, nn.Linear) and (name.endswith("norm1.linear") or name.endswith("norm1_context.linear")
                                                  or name.endswith("norm.linear") or name == "norm_out.linear"
                                                  or name == "proj_out"):
                module.weight.zero_()
                module.bias.zero_()


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def components_for_export(models: dict, meta: dict) -> Components:
    from diffusers import FlowMatchEulerDiscreteScheduler

    toks = models
    return Components(
        transformer=models["transformer"].float().eval(),
        projector=models["projector"].float().eval(),
        clip=models["clip"].float().eval(),
        t5=models["t5"].float().eval(),
        vae=models["codec"].float().eval(),
        scheduler=FlowMatchEulerDiscreteScheduler(**FLUX_SCHEDULER),
        clip_tokenizer=toks["clip_fixed"],
        t5_tokenizer=toks["t5_fixed"],
        clip_hf_tokenizer=hf_tokenizer(toks["clip_tok"], CLIP_MAX_LENGTH, bos_token=CLIP_BOS, eos_token=CLIP_EOS,
                                       pad_token=CLIP_EOS, unk_token=CLIP_UNK),
        t5_hf_tokenizer=hf_tokenizer(toks["t5_tok"], T5_MAX_LENGTH, eos_token=T5_EOS, pad_token=T5_PAD,
                                     unk_token=T5_UNK),
        clip_max_length=CLIP_MAX_LENGTH,
        t5_max_length=T5_MAX_LENGTH,
        clip_pad_id=toks["clip_eos"],
        t5_pad_id=0,
        meta=meta,
    )


def config_json() -> str:
    return json.dumps({"latentChannels": LATENT_CHANNELS, "heads": HEADS, "headDim": HEAD_DIM,
                       "double": DOUBLE_BLOCKS, "single": SINGLE_BLOCKS, "textDim": TEXT_DIM,
                       "clipMaxLength": CLIP_MAX_LENGTH, "t5MaxLength": T5_MAX_LENGTH, "guidance": GUIDANCE})
