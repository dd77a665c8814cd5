"""ONNX-facing wrappers for the text encoders and the VAE (float32 I/O whatever the weights' dtype).

The CLIP wrapper recomputes the text transformer from the model's own submodules: recent transformers
versions pick the pooling index with a data-dependent `.item()` branch, which torch.export cannot trace.
The self-check compares every wrapper against the unmodified Hugging Face / diffusers forward.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn


def _dtype_of(module: nn.Module) -> torch.dtype:
    return next(module.parameters()).dtype


def find_submodule(module: nn.Module, *attributes: str) -> nn.Module:
    """First module (the root included) having all `attributes`: transformers moves these between versions."""
    for candidate in module.modules():
        if all(hasattr(candidate, name) for name in attributes):
            return candidate
    raise AttributeError(f"{type(module).__name__} has no submodule with {attributes}")


def describe(module: nn.Module, depth: int = 3) -> str:
    """Short module tree (names and classes) for logs when the layout is not what we expect."""
    lines = []
    for name, sub in module.named_modules():
        if name.count(".") < depth and not any(part.isdigit() and part != "0" for part in name.split(".")):
            lines.append(f"{name or '<root>'}: {type(sub).__name__}")
    return "; ".join(lines[:60])


class ClipPooledEncoder(nn.Module):
    """input_ids [b, L] int64 -> pooled [b, hidden]: final-layer-normed hidden state at argmax(input_ids).

    CLIP's end-of-text token has the largest id, so argmax finds the first EOS (padding is EOS too).
    """

    def __init__(self, clip_text_model: nn.Module):
        super().__init__()
        self.text = find_submodule(clip_text_model, "embeddings", "encoder", "final_layer_norm")
        self.num_heads = clip_text_model.config.num_attention_heads

    def _attention(self, attn: nn.Module, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        head_dim = x.shape[-1] // self.num_heads
        q = attn.q_proj(x).unflatten(-1, (self.num_heads, head_dim)).transpose(1, 2) * head_dim**-0.5
        k = attn.k_proj(x).unflatten(-1, (self.num_heads, head_dim)).transpose(1, 2)
        v = attn.v_proj(x).unflatten(-1, (self.num_heads, head_dim)).transpose(1, 2)
        weights = torch.softmax((torch.matmul(q, k.transpose(-1, -2)) + mask).to(torch.float32), dim=-1)
        out = torch.matmul(weights.to(v.dtype), v).transpose(1, 2).flatten(2)
        return attn.out_proj(out)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        hidden = self.text.embeddings(input_ids=input_ids)
        seq = input_ids.shape[1]
        mask = torch.full((seq, seq), torch.finfo(hidden.dtype).min, dtype=hidden.dtype, device=hidden.device)
        mask = torch.triu(mask, diagonal=1)
        for layer in self.text.encoder.layers:
            hidden = hidden + self._attention(layer.self_attn, layer.layer_norm1(hidden), mask)
            hidden = hidden + layer.mlp(layer.layer_norm2(hidden))
        hidden = self.text.final_layer_norm(hidden)
        # ArgMax on int32: ONNX Runtime kernels do not all take int64 here.
        index = input_ids.to(torch.int32).argmax(dim=-1).to(torch.int64)
        gather_index = index[:, None, None].expand(-1, 1, hidden.shape[-1])
        return torch.gather(hidden, 1, gather_index).squeeze(1).to(torch.float32)


class ClipHfPooled(nn.Module):
    """Fallback: the Hugging Face forward's pooler_output as is."""

    def __init__(self, clip_text_model: nn.Module):
        super().__init__()
        self.model = clip_text_model

    def forward(self, input_ids):
        return self.model(input_ids=input_ids).pooler_output.to(torch.float32)


class T5HfEncoder(nn.Module):
    """input_ids [b, L] -> last_hidden_state [b, L, d_model], no attention mask (as FLUX uses it)."""

    def __init__(self, t5_encoder_model: nn.Module):
        super().__init__()
        self.model = t5_encoder_model

    def forward(self, input_ids):
        return self.model(input_ids=input_ids).last_hidden_state.to(torch.float32)


class T5OwnEncoder(nn.Module):
    """Fallback T5 encoder recomputed from the model's submodules (relative position bias from block 0)."""

    def __init__(self, t5_encoder_model: nn.Module):
        super().__init__()
        self.stack = find_submodule(t5_encoder_model, "embed_tokens", "block", "final_layer_norm")

    def _position_bias(self, attn: nn.Module, seq: int, device) -> torch.Tensor:
        positions = torch.arange(seq, dtype=torch.long, device=device)
        relative = positions[None, :] - positions[:, None]
        buckets = type(attn)._relative_position_bucket(
            relative,
            bidirectional=True,
            num_buckets=attn.relative_attention_num_buckets,
            max_distance=attn.relative_attention_max_distance,
        )
        return attn.relative_attention_bias(buckets).permute(2, 0, 1).unsqueeze(0)

    @staticmethod
    def _clamp_fp16(hidden: torch.Tensor) -> torch.Tensor:
        if hidden.dtype != torch.float16:
            return hidden
        limit = torch.finfo(torch.float16).max - 1000
        return hidden.clamp(-limit, limit)

    def forward(self, input_ids):
        hidden = self.stack.embed_tokens(input_ids)
        first = self.stack.block[0].layer[0].SelfAttention
        bias = self._position_bias(first, input_ids.shape[1], input_ids.device)
        for block in self.stack.block:
            self_attention = block.layer[0]
            attn = self_attention.SelfAttention
            x = self_attention.layer_norm(hidden)
            q = attn.q(x).unflatten(-1, (attn.n_heads, -1)).transpose(1, 2)
            k = attn.k(x).unflatten(-1, (attn.n_heads, -1)).transpose(1, 2)
            v = attn.v(x).unflatten(-1, (attn.n_heads, -1)).transpose(1, 2)
            scores = torch.matmul(q, k.transpose(-1, -2)) + bias.to(q.dtype)
            weights = torch.softmax(scores.to(torch.float32), dim=-1).to(v.dtype)
            hidden = self._clamp_fp16(hidden + attn.o(torch.matmul(weights, v).transpose(1, 2).flatten(2)))
            feed_forward = block.layer[-1]
            hidden = self._clamp_fp16(hidden + feed_forward.DenseReluDense(feed_forward.layer_norm(hidden)))
        return self.stack.final_layer_norm(hidden).to(torch.float32)


class VaeEncoderMean(nn.Module):
    """sample [b, 3, H, W] in [-1, 1] -> latent_mean [b, C, H/f, W/f] (unscaled, unshifted)."""

    def __init__(self, vae: nn.Module):
        super().__init__()
        self.vae = vae

    def forward(self, sample):
        return self.vae.encode(sample.to(_dtype_of(self.vae))).latent_dist.mode().to(torch.float32)


class VaeDecoder(nn.Module):
    """latent [b, C, h, w] (unscaled: z / scaling + shift) -> sample [b, 3, h*f, w*f], roughly [-1, 1]."""

    def __init__(self, vae: nn.Module):
        super().__init__()
        self.vae = vae

    def forward(self, latent):
        return self.vae.decode(latent.to(_dtype_of(self.vae)), return_dict=False)[0].to(torch.float32)


def _upsample_without_shape_guards(self, hidden_states, output_size=None, *args, **kwargs):
    # Same maths as diffusers' Upsample2D.forward for the VAE's configuration, minus the
    # `batch >= 64` / `numel > 2**31` contiguity branches that torch.export turns into shape guards.
    if self.norm is not None:
        hidden_states = self.norm(hidden_states.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
    if self.use_conv_transpose:
        return self.conv(hidden_states)
    if self.interpolate:
        if output_size is None:
            hidden_states = F.interpolate(hidden_states, scale_factor=2.0, mode="nearest")
        else:
            hidden_states = F.interpolate(hidden_states, size=output_size, mode="nearest")
    if self.use_conv:
        hidden_states = self.conv(hidden_states) if self.name == "conv" else self.Conv2d_0(hidden_states)
    return hidden_states


@contextlib.contextmanager
def vae_export_patches() -> Iterator[None]:
    from diffusers.models.upsampling import Upsample2D

    original = Upsample2D.forward
    Upsample2D.forward = _upsample_without_shape_guards
    try:
        yield
    finally:
        Upsample2D.forward = original
