"""Slider conditioning on top of diffusers' own FLUX classes.

Kontinuous Kontext adds, in every double-stream block, a delta to the *context* (text) stream's MLP
modulation: `c_scale_mlp += delta_scale`, `c_shift_mlp += delta_shift`. The deltas come from a small
projector fed with the edit strength and the CLIP pooled embedding; the same delta is used in every block.
We patch each block's `norm1_context` (an `AdaLayerNormZero`) in place so that the stock
`FluxTransformerBlock.forward` and `FluxKontextPipeline` keep working unchanged.
"""

from __future__ import annotations

import math

import torch
from diffusers.models.normalization import AdaLayerNormZero
from torch import nn


class SliderProjector(nn.Module):
    """strength [b], pooled [b, pooled_dim] -> modulation [b, out_dim] = [delta_scale, delta_shift].

    pe = [sin(pi*s), cos(pi*s)] -> Linear(2, pe_width); concat(pe_embedding, pooled) -> n_layers Linear
    layers with ReLU between. Attribute names match the released `slider_projector.pth`
    (`pe_extender.*`, `projector.{0,2,4,6}.*`) so its state dict loads directly.
    """

    def __init__(self, pooled_dim: int = 768, pe_width: int = 768, out_dim: int = 6144, n_layers: int = 4):
        super().__init__()
        if out_dim % 2:
            raise ValueError("out_dim must be even: it holds [delta_scale, delta_shift]")
        self.pooled_dim = pooled_dim
        self.pe_width = pe_width
        self.out_dim = out_dim
        self.pe_extender = nn.Linear(2, pe_width)
        layers: list[nn.Module] = []
        width = pe_width + pooled_dim
        for _ in range(n_layers - 1):
            layers += [nn.Linear(width, out_dim), nn.ReLU()]
            width = out_dim
        layers.append(nn.Linear(width, out_dim))
        self.projector = nn.Sequential(*layers)

    def forward(self, strength: torch.Tensor, pooled: torch.Tensor) -> torch.Tensor:
        # The positional encoding is computed in float32 whatever the weight dtype (sin/cos of pi*s).
        angle = strength.to(torch.float32) * math.pi
        pe = torch.stack([torch.sin(angle), torch.cos(angle)], dim=-1).to(self.pe_extender.weight.dtype)
        return self.projector(torch.cat([self.pe_extender(pe), pooled.to(pe.dtype)], dim=-1))


class SliderState:
    """Holds the modulation for the current batch; shared by every patched norm of one transformer."""

    def __init__(self) -> None:
        self.modulation: torch.Tensor | None = None


class SliderAdaLayerNormZero(AdaLayerNormZero):
    """`AdaLayerNormZero` that adds the slider deltas to the MLP shift/scale it returns.

    AdaLayerNormZero chunks its projection as (shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp,
    gate_mlp) and returns (x, gate_msa, shift_mlp, scale_mlp, gate_mlp); the modulation vector is
    [delta_scale, delta_shift] (scale first), as the released projector was trained.
    """

    slider_state: SliderState

    def forward(self, x, timestep=None, class_labels=None, hidden_dtype=None, emb=None):  # noqa: D102
        x, gate_msa, shift_mlp, scale_mlp, gate_mlp = super().forward(x, timestep, class_labels, hidden_dtype, emb)
        modulation = self.slider_state.modulation
        if modulation is not None:
            delta_scale, delta_shift = modulation.to(shift_mlp.dtype).chunk(2, dim=-1)
            shift_mlp = shift_mlp + delta_shift
            scale_mlp = scale_mlp + delta_scale
        return x, gate_msa, shift_mlp, scale_mlp, gate_mlp


def add_slider_conditioning(transformer: nn.Module) -> SliderState:
    """Patches every double-stream block's `norm1_context` in place; idempotent. Returns the shared state."""
    state = getattr(transformer, "slider_state", None)
    if not isinstance(state, SliderState):
        state = SliderState()
        transformer.slider_state = state
    for block in transformer.transformer_blocks:
        norm = block.norm1_context
        if not isinstance(norm, AdaLayerNormZero):
            raise TypeError(f"expected AdaLayerNormZero as norm1_context, got {type(norm).__name__}")
        norm.__class__ = SliderAdaLayerNormZero
        norm.slider_state = state
    return state


def set_slider_modulation(transformer: nn.Module, modulation: torch.Tensor | None) -> None:
    """Sets the [batch, 2*inner] modulation used by the next forward calls (None: no slider)."""
    state = getattr(transformer, "slider_state", None)
    if not isinstance(state, SliderState):
        raise RuntimeError("call add_slider_conditioning(transformer) first")
    inner = transformer.config.num_attention_heads * transformer.config.attention_head_dim
    if modulation is not None and modulation.shape[-1] != 2 * inner:
        raise ValueError(f"modulation must be [batch, {2 * inner}], got {tuple(modulation.shape)}")
    state.modulation = modulation


class SliderFluxTransformer(nn.Module):
    """ONNX-facing transformer: all float I/O in float32, computation in the weights' dtype.

    `timestep` is sigma (the model multiplies by 1000 inside); `modulation` is the projector output.
    The output holds every image token (noisy tokens first, then the context image tokens).
    """

    def __init__(self, transformer: nn.Module):
        super().__init__()
        self.transformer = transformer
        self.compute_dtype = next(transformer.parameters()).dtype

    def forward(self, hidden_states, encoder_hidden_states, pooled_projections, timestep, img_ids, txt_ids, guidance,
                modulation):
        dtype = self.compute_dtype
        set_slider_modulation(self.transformer, modulation.to(dtype))
        try:
            out = self.transformer(
                hidden_states=hidden_states.to(dtype),
                encoder_hidden_states=encoder_hidden_states.to(dtype),
                pooled_projections=pooled_projections.to(dtype),
                timestep=timestep.to(dtype),
                img_ids=img_ids,
                txt_ids=txt_ids,
                guidance=guidance.to(dtype) if self.transformer.config.guidance_embeds else None,
                return_dict=False,
            )[0]
        finally:
            set_slider_modulation(self.transformer, None)
        return out.to(torch.float32)


class FloatIO(nn.Module):
    """Wraps a float-in module so the ONNX graph takes and returns float32 whatever the weights' dtype."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module
        self.compute_dtype = next(module.parameters()).dtype

    def forward(self, strength, pooled):
        return self.module(strength, pooled.to(self.compute_dtype)).to(torch.float32)
