"""Reads a kk-tiny bundle's codec (its VAE encoder and decoder) back from the bundle's ONNX files.

The exporter names each initializer after its torch parameter ("vae.encoder.pca.weight", stored fp16 with a
"__fp16" suffix), so the shipped weights load into `ConvCodec` exactly. Used to retrain the transformer in the
latent space of a shipped codec (`train.py --codec-from-bundle`) and to refit a shipped decoder
(`refit_decoder.py`), both with the codec that users run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .codec import ConvCodec, load_codec_state


def onnx_weights(path: Path) -> dict[str, torch.Tensor]:
    """The graph's initializers as float32 tensors, named as the torch parameters (the fp16 storage suffix dropped)."""
    import onnx
    from onnx import numpy_helper

    out = {}
    for init in onnx.load(str(path)).graph.initializer:
        out[init.name.removesuffix("__fp16")] = torch.from_numpy(numpy_helper.to_array(init).astype(np.float32))
    return out


def load_codec(bundle: Path, manifest: dict, log=print) -> ConvCodec:
    """The bundle's codec, block (kk-tiny 4.0) or lapped (4.1) decoder alike, with its `scalingFactor`."""
    codec = ConvCodec(manifest["vae"]["latentChannels"])
    weights = {}
    for component in ("vaeEncoder", "vaeDecoder"):
        weights.update(onnx_weights(bundle / manifest["components"][component]["file"]))
    state = {k.removeprefix("vae."): v for k, v in weights.items() if k.startswith("vae.")}
    result = load_codec_state(codec, state, strict=False)
    log(f"[load] {len(state)} tensors; missing {result.missing_keys}; unexpected {result.unexpected_keys}")
    if result.missing_keys:
        raise RuntimeError(f"the bundle's codec lacks {result.missing_keys}")
    codec.config.scaling_factor = manifest["vae"]["scalingFactor"]
    return codec.eval()
