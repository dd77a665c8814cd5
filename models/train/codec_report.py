"""How good the codec is on photos it never saw: PSNR of a round trip and block-grid energy, for the trained
codec and for its PCA core alone (kk-tiny 3's codec), on the eval photos at their working sizes, also after a
blur and an invert (edits the codec must reproduce)."""

from __future__ import annotations

import torch

from .codec import ConvCodec, grid_energy
from .edits import FAMILIES, apply_family
from .evaluate import EVAL_SIZES
from .images import EVAL_PHOTOS, fit_resize, load_photo, to_tensor


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(-10 * torch.log10(((a - b) ** 2).mean().clamp(min=1e-12)))


@torch.no_grad()
def codec_report(codec: ConvCodec, device, log) -> dict:
    assert "blur" in FAMILIES
    rows = {}
    for name in EVAL_PHOTOS:
        im = load_photo(name)
        if im is None:
            continue
        h, w = EVAL_SIZES.get(name, (256, 256))
        x = fit_resize(to_tensor(im, device), h, w).clamp(0, 1)
        variants = {
            "photo": x,
            "blur": apply_family("blur", x, torch.tensor([3.0], device=device)),
            "invert": apply_family("invert", x, torch.tensor([1.0], device=device)),
        }
        for label, v in variants.items():
            full = ((codec.decoder(codec.encoder(v * 2 - 1)) + 1) / 2).clamp(0, 1)
            pca = ((codec.decoder.pca(codec.encoder.pca(v * 2 - 1)) + 1) / 2).clamp(0, 1)
            rows[f"{name}/{label}"] = {
                "psnr": round(psnr(full, v), 2), "psnrPca": round(psnr(pca, v), 2),
                "gridExcess": float(grid_energy(full) - grid_energy(v)),
                "gridExcessPca": float(grid_energy(pca) - grid_energy(v)),
            }
            log(f"[codec-report] {name}/{label}: {rows[f'{name}/{label}']}")
    return rows
