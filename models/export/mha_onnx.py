"""onnxscript translation of `kontinuous::multi_head_attention` to com.microsoft.MultiHeadAttention."""

from __future__ import annotations

import onnxscript
import torch

# A function in its own domain whose body is the contrib op; the exporter inlines it.
_KONTINUOUS = onnxscript.values.Opset(domain="kontinuous", version=1)
_MSFT = onnxscript.values.Opset(domain="com.microsoft", version=1)


@onnxscript.script(_KONTINUOUS)
def kontinuous_mha(query, key, value, num_heads: int):
    return _MSFT.MultiHeadAttention(query, key, value, num_heads=num_heads)


def translation_table() -> dict:
    from . import export_attention  # noqa: F401  registers torch.ops.kontinuous.multi_head_attention

    return {torch.ops.kontinuous.multi_head_attention.default: kontinuous_mha}
