"""Export-time replacements inside the FLUX transformer (only while exporting, restored afterwards).

* RoPE: diffusers' `FluxPosEmbed` computes the frequencies in float64 (unsupported on WebGPU); ours computes
  the same cos/sin tables in float32 (with stack+flatten instead of repeat_interleave).
* Attention: "decomposed" = explicit MatMul-Softmax-MatMul (materialises [batch, heads, N, N]);
  "multi-head" = one `com.microsoft.MultiHeadAttention` node per attention (ONNX Runtime contrib op), produced
  through a torch custom op plus an onnxscript translation, or `torch.onnx.ops.symbolic` as a fallback.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator

import torch
import torch.nn.functional as F
from diffusers.models.embeddings import apply_rotary_emb
from diffusers.models.transformers.transformer_flux import FluxAttention
from torch import nn

ATTENTION_MODES = ("decomposed", "multi-head")


class Float32FluxPosEmbed(nn.Module):
    """Same tables as diffusers' FluxPosEmbed (repeat-interleaved real cos/sin per axis), in float32."""

    def __init__(self, theta: float, axes_dim: list[int]):
        super().__init__()
        self.theta = float(theta)
        self.axes_dim = [int(d) for d in axes_dim]

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pos = ids.to(torch.float32)
        cos_parts, sin_parts = [], []
        for axis, dim in enumerate(self.axes_dim):
            exponent = torch.arange(0, dim, 2, dtype=torch.float32, device=ids.device) / dim
            inv_freq = 1.0 / (self.theta**exponent)
            angles = pos[:, axis : axis + 1] * inv_freq[None, :]
            cos, sin = angles.cos(), angles.sin()
            cos_parts.append(torch.stack([cos, cos], dim=-1).flatten(1))
            sin_parts.append(torch.stack([sin, sin], dim=-1).flatten(1))
        return torch.cat(cos_parts, dim=-1), torch.cat(sin_parts, dim=-1)


@torch.library.custom_op("kontinuous::multi_head_attention", mutates_args=())
def multi_head_attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, num_heads: int) -> torch.Tensor:
    """[b, s, h*d] x3 -> [b, s, h*d]; eager reference for com.microsoft.MultiHeadAttention (scale 1/sqrt(d))."""
    q = query.unflatten(-1, (num_heads, -1)).transpose(1, 2)
    k = key.unflatten(-1, (num_heads, -1)).transpose(1, 2)
    v = value.unflatten(-1, (num_heads, -1)).transpose(1, 2)
    return F.scaled_dot_product_attention(q, k, v).transpose(1, 2).flatten(2).contiguous()


@multi_head_attention.register_fake
def _multi_head_attention_fake(query, key, value, num_heads):
    return torch.empty_like(query)


def _mha_via_custom_op(query, key, value, num_heads: int):
    return torch.ops.kontinuous.multi_head_attention(query, key, value, num_heads)


def _mha_via_symbolic(query, key, value, num_heads: int):
    return torch.onnx.ops.symbolic(
        "com.microsoft::MultiHeadAttention",
        [query, key, value],
        attrs={"num_heads": int(num_heads)},
        dtype=query.dtype,
        shape=query.shape,
        version=1,
    )


def mha_implementations() -> list[tuple[str, Callable, dict]]:
    """(label, attention function, custom_translation_table) to try in order."""
    from .mha_onnx import translation_table

    # torch.onnx.ops.symbolic first: with torch 2.11 the custom-op route fails at ONNX translation on every
    # export (recorded in test/fixtures/tiny-random/export-report.json), and on a 12B transformer each failed
    # attempt costs a full torch.export trace.
    return [
        ("torch.onnx.ops.symbolic", _mha_via_symbolic, {}),
        ("custom-op+onnxscript", _mha_via_custom_op, translation_table()),
    ]


class ExportFluxAttnProcessor:
    """Numerically the stock FluxAttnProcessor, with the attention kernel made explicit for export."""

    def __init__(self, mode: str, mha: Callable | None = None):
        if mode not in ATTENTION_MODES:
            raise ValueError(f"attention mode must be one of {ATTENTION_MODES}")
        if mode == "multi-head" and mha is None:
            raise ValueError("multi-head mode needs an MHA implementation")
        self.mode = mode
        self.mha = mha

    def _attend(self, query, key, value, heads: int):
        # query/key/value: [b, s, heads, head_dim]
        if self.mode == "multi-head":
            return self.mha(query.flatten(2), key.flatten(2), value.flatten(2), heads)
        q, k, v = query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2)
        scores = torch.matmul(q * (1.0 / math.sqrt(q.shape[-1])), k.transpose(-1, -2))
        probs = torch.softmax(scores.to(torch.float32), dim=-1).to(v.dtype)
        return torch.matmul(probs, v).transpose(1, 2).flatten(2)

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, image_rotary_emb=None):
        if attention_mask is not None:
            raise ValueError("attention masks are not supported by the export processor")
        query = attn.norm_q(attn.to_q(hidden_states).unflatten(-1, (-1, attn.head_dim)))
        key = attn.norm_k(attn.to_k(hidden_states).unflatten(-1, (-1, attn.head_dim)))
        value = attn.to_v(hidden_states).unflatten(-1, (-1, attn.head_dim))
        if encoder_hidden_states is not None and attn.added_kv_proj_dim is not None:
            e_query = attn.norm_added_q(attn.add_q_proj(encoder_hidden_states).unflatten(-1, (-1, attn.head_dim)))
            e_key = attn.norm_added_k(attn.add_k_proj(encoder_hidden_states).unflatten(-1, (-1, attn.head_dim)))
            e_value = attn.add_v_proj(encoder_hidden_states).unflatten(-1, (-1, attn.head_dim))
            query = torch.cat([e_query, query], dim=1)
            key = torch.cat([e_key, key], dim=1)
            value = torch.cat([e_value, value], dim=1)
        if image_rotary_emb is not None:
            query = apply_rotary_emb(query, image_rotary_emb, sequence_dim=1)
            key = apply_rotary_emb(key, image_rotary_emb, sequence_dim=1)
        out = self._attend(query, key, value, attn.heads).to(query.dtype)
        if encoder_hidden_states is None:
            return out
        text_len = encoder_hidden_states.shape[1]
        context_out, image_out = out[:, :text_len], out[:, text_len:]
        image_out = attn.to_out[1](attn.to_out[0](image_out))
        return image_out, attn.to_add_out(context_out)


@contextlib.contextmanager
def export_mode(transformer: nn.Module, attention: str, mha: Callable | None = None) -> Iterator[None]:
    """Swaps in float32 RoPE and the export attention processor; restores the stock ones on exit."""
    saved_pos = transformer.pos_embed
    saved_processors = {}
    processor = ExportFluxAttnProcessor(attention, mha)
    transformer.pos_embed = Float32FluxPosEmbed(saved_pos.theta, list(saved_pos.axes_dim))
    try:
        for module in transformer.modules():
            if isinstance(module, FluxAttention):
                saved_processors[module] = module.processor
                module.set_processor(processor)
        yield
    finally:
        transformer.pos_embed = saved_pos
        for module, saved in saved_processors.items():
            module.set_processor(saved)
