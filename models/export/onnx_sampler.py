"""Replays the whole edit from the bundle alone (tokenizer.json + ONNX graphs, numpy float32), the way the
TypeScript worker has to. Used to check that the golden outputs are reproducible from the bundle."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from PIL import Image

from .selfcheck import session


def pack(latents: np.ndarray) -> np.ndarray:
    b, c, h, w = latents.shape
    return latents.reshape(b, c, h // 2, 2, w // 2, 2).transpose(0, 2, 4, 1, 3, 5).reshape(b, (h // 2) * (w // 2), 4 * c)


def unpack(packed: np.ndarray, h: int, w: int) -> np.ndarray:
    b, _, packed_channels = packed.shape
    c = packed_channels // 4
    return packed.reshape(b, h // 2, w // 2, c, 2, 2).transpose(0, 3, 1, 4, 2, 5).reshape(b, c, h, w)


def image_ids(grid_h: int, grid_w: int, first: float) -> np.ndarray:
    ids = np.zeros((grid_h, grid_w, 3), dtype=np.float32)
    ids[..., 0] = first
    ids[..., 1] = np.arange(grid_h, dtype=np.float32)[:, None]
    ids[..., 2] = np.arange(grid_w, dtype=np.float32)[None, :]
    return ids.reshape(-1, 3)


def schedule(steps: int, image_seq_len: int, scheduler: dict) -> tuple[np.ndarray, np.ndarray, float]:
    """(sigmas [steps+1] incl. terminal 0, timesteps [steps] = sigma*1000, mu) in float32 like diffusers."""
    slope = (scheduler["maxShift"] - scheduler["baseShift"]) / (scheduler["maxImageSeqLen"] - scheduler["baseImageSeqLen"])
    mu = image_seq_len * slope + (scheduler["baseShift"] - slope * scheduler["baseImageSeqLen"])
    sigmas = np.linspace(1.0, 1.0 / steps, steps).astype(np.float32)
    shifted = (np.float32(math.exp(mu)) / (np.float32(math.exp(mu)) + (np.float32(1) / sigmas - np.float32(1))))
    shifted = shifted.astype(np.float32)
    timesteps = (shifted * np.float32(scheduler["numTrainTimesteps"])).astype(np.float32)
    return np.concatenate([shifted, np.zeros(1, np.float32)]), timesteps, mu


def replay(bundle: Path, source_png: Path, instruction: str, strengths: list[float], noise_packed: np.ndarray,
           steps: int, guidance: float) -> dict:
    manifest = json.loads((bundle / "model.json").read_text())
    from tokenizers import Tokenizer

    def run(component: str, feeds: dict) -> np.ndarray:
        spec = manifest["components"][component]
        return session(bundle / spec["file"]).run([spec["outputs"][0]["name"]], feeds)[0]

    def token_ids(key: str) -> np.ndarray:
        tokenizer = Tokenizer.from_file(str(bundle / manifest["tokenizers"][key]["file"]))
        ids = tokenizer.encode(instruction).ids
        if len(ids) != manifest["tokenizers"][key]["maxLength"]:
            raise ValueError(f"{key} tokenizer.json did not pad/truncate to maxLength")
        return np.array([ids], dtype=np.int64)

    batch = len(strengths)
    vae, scheduler = manifest["vae"], manifest["scheduler"]
    pooled = run("clipTextEncoder", {"input_ids": token_ids("clip")})
    text = run("t5TextEncoder", {"input_ids": token_ids("t5")})
    modulation = run("sliderProjector", {"strength": np.array(strengths, np.float32),
                                         "pooled": np.repeat(pooled, batch, axis=0)})
    pixels = np.asarray(Image.open(source_png).convert("RGB"), dtype=np.float32) / np.float32(255)
    pixels = (pixels.transpose(2, 0, 1)[None] * np.float32(2) - np.float32(1)).astype(np.float32)
    mean = run("vaeEncoder", {"sample": pixels})
    image_latents = pack((mean - np.float32(vae["shiftFactor"])) * np.float32(vae["scalingFactor"]))
    h, w = mean.shape[2], mean.shape[3]
    tokens = image_latents.shape[1]
    img_ids = np.concatenate([image_ids(h // 2, w // 2, 0.0), image_ids(h // 2, w // 2, 1.0)])
    sigmas, timesteps, mu = schedule(steps, noise_packed.shape[1], scheduler)
    latents = np.repeat(noise_packed.astype(np.float32), batch, axis=0)
    feeds_fixed = {
        "encoder_hidden_states": np.repeat(text, batch, axis=0),
        "pooled_projections": np.repeat(pooled, batch, axis=0),
        "img_ids": img_ids,
        "txt_ids": np.zeros((text.shape[1], 3), np.float32),
        "guidance": np.full((batch,), guidance, np.float32),
        "modulation": modulation,
    }
    velocity_step1 = None
    for i in range(steps):
        hidden = np.concatenate([latents, np.repeat(image_latents, batch, axis=0)], axis=1)
        timestep = np.full((batch,), timesteps[i], np.float32) / np.float32(1000)
        out = run("transformer", {"hidden_states": hidden, "timestep": timestep, **feeds_fixed})[:, :tokens]
        if velocity_step1 is None:
            velocity_step1 = out
        latents = (latents + (sigmas[i + 1] - sigmas[i]) * out).astype(np.float32)
    unscaled = unpack(latents, h, w) / np.float32(vae["scalingFactor"]) + np.float32(vae["shiftFactor"])
    decoded = run("vaeDecoder", {"latent": unscaled.astype(np.float32)})
    images = np.clip(decoded / 2 + 0.5, 0, 1).transpose(0, 2, 3, 1)
    return {"pooled": pooled, "t5_hidden": text, "modulation": modulation, "image_latents_packed": image_latents,
            "sigmas": sigmas, "timesteps": timesteps, "mu": mu, "velocity_step1": velocity_step1,
            "final_latents_packed": latents, "decoded": decoded, "images": images}
