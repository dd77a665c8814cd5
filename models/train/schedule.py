"""The flow-match schedule of the TypeScript pipeline (diffusers' FlowMatchEulerDiscreteScheduler with dynamic
shifting), on its own so that scripts which only run a bundle need not import the trainer (and diffusers); and
the learning-rate schedule the trainer and the codec share."""

from __future__ import annotations

import math


def mu_for(seq_len: int, cfg: dict) -> float:
    m = (cfg["max_shift"] - cfg["base_shift"]) / (cfg["max_image_seq_len"] - cfg["base_image_seq_len"])
    return seq_len * m + cfg["base_shift"] - m * cfg["base_image_seq_len"]


def shift_sigma(sigma, mu: float):
    return math.exp(mu) / (math.exp(mu) + (1 / sigma - 1))


def inference_sigmas(steps: int, seq_len: int, cfg: dict) -> list[float]:
    """sigmas = linspace(1, 1/N, N), time-shifted by mu, then a final 0 (as the TS pipeline)."""
    mu = mu_for(seq_len, cfg)
    base = [1.0 - i * (1.0 - 1.0 / steps) / max(steps - 1, 1) for i in range(steps)] if steps > 1 else [1.0]
    return [shift_sigma(s, mu) for s in base] + [0.0]


def warmup_cosine(peak: float, step: int, frac: float, warmup: int) -> float:
    """Linear warm-up over `warmup` steps, then cosine decay to 5 % of `peak` as `frac` (the share of training
    done) goes from 0 to 1."""
    return peak * min(1.0, (step + 1) / warmup) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
