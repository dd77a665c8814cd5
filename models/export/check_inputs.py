"""Random but well-formed inputs for each graph at a given check shape."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .components import Components


@dataclass(frozen=True)
class Case:
    name: str
    batch: int
    height: int  # pixels
    width: int
    text_len: int  # T5 / transformer text tokens


def _image_ids(grid_h: int, grid_w: int, first: float) -> np.ndarray:
    ids = np.zeros((grid_h, grid_w, 3), dtype=np.float32)
    ids[..., 0] = first
    ids[..., 1] = np.arange(grid_h, dtype=np.float32)[:, None]
    ids[..., 2] = np.arange(grid_w, dtype=np.float32)[None, :]
    return ids.reshape(-1, 3)


def clip_ids(c: Components, batch: int, rng: np.random.Generator) -> np.ndarray:
    """BOS, random in-vocabulary tokens, EOS, then EOS padding (what the tokenizer produces)."""
    vocab = c.clip_tokenizer.get_vocab()
    bos = vocab.get("<|startoftext|>", 0)
    eos = c.clip_pad_id
    length = c.clip_max_length
    ids = np.full((batch, length), eos, dtype=np.int64)
    for row in range(batch):
        used = int(rng.integers(1, length - 1))
        ids[row, 0] = bos
        ids[row, 1 : 1 + used] = rng.integers(0, min(bos, eos), size=used)
        ids[row, 1 + used] = eos
    return ids


def make_inputs(component: str, case: Case, c: Components, rng: np.random.Generator) -> dict[str, np.ndarray]:
    f = c.vae_scale_factor
    channels = c.latent_channels
    b = case.batch
    h, w = case.height // f, case.width // f
    if component == "clipTextEncoder":
        return {"input_ids": clip_ids(c, b, rng)}
    if component == "t5TextEncoder":
        vocab = c.t5.config.vocab_size
        return {"input_ids": rng.integers(0, vocab, size=(b, case.text_len), dtype=np.int64)}
    if component == "sliderProjector":
        return {
            "strength": rng.uniform(0, 1, size=(b,)).astype(np.float32),
            "pooled": rng.standard_normal((b, c.transformer.config.pooled_projection_dim)).astype(np.float32),
        }
    if component == "transformer":
        grid_h, grid_w = h // 2, w // 2
        img_ids = np.concatenate([_image_ids(grid_h, grid_w, 0.0), _image_ids(grid_h, grid_w, 1.0)])
        img_seq = img_ids.shape[0]
        cfg = c.transformer.config
        return {
            "hidden_states": rng.standard_normal((b, img_seq, cfg.in_channels)).astype(np.float32),
            "encoder_hidden_states": rng.standard_normal((b, case.text_len, cfg.joint_attention_dim)).astype(np.float32),
            "pooled_projections": rng.standard_normal((b, cfg.pooled_projection_dim)).astype(np.float32),
            "timestep": rng.uniform(0.05, 1.0, size=(b,)).astype(np.float32),
            "img_ids": img_ids,
            "txt_ids": np.zeros((case.text_len, 3), dtype=np.float32),
            "guidance": rng.uniform(1.0, 4.0, size=(b,)).astype(np.float32),
            "modulation": (0.5 * rng.standard_normal((b, 2 * c.inner_dim))).astype(np.float32),
        }
    if component == "vaeEncoder":
        return {"sample": rng.uniform(-1, 1, size=(b, 3, case.height, case.width)).astype(np.float32)}
    if component == "vaeDecoder":
        return {"latent": rng.standard_normal((b, channels, h, w)).astype(np.float32)}
    raise KeyError(component)
