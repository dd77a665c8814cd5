"""Strength calibration (FAMILIES.md, "Calibration"): for each family (each tint colour) the table
s_i = i/32 -> parameter p_i such that the mean CIELAB delta-E from the source grows linearly in s."""

from __future__ import annotations

import torch

from .edits import COLOUR_NAMES, FAMILIES, FAMILY_SPECS, apply_family, delta_e
from .images import TRAIN_PHOTOS, PhotoCrops, fit_resize, procedural

GRID = 128  # parameter samples 0..pMax
TABLE = 32  # strength intervals: 33 entries
TINT = FAMILIES.index("tint")


def calibration_images(device) -> torch.Tensor:
    photos = PhotoCrops(TRAIN_PHOTOS, device)
    ims = [fit_resize(p, 256, 256) for p in photos.photos]
    gen = torch.Generator(device=device)
    gen.manual_seed(1234)
    ims.append(procedural(8, 256, 256, gen, device))
    x = torch.cat(ims)
    return torch.round(x * 255) / 255  # sources are 8-bit


def _curve(family: str, x: torch.Tensor, colour: int | None) -> tuple[list[float], list[float]]:
    pmax = FAMILY_SPECS[family][0]
    grid = [pmax * j / GRID for j in range(GRID + 1)]
    n = x.shape[0]
    col = torch.full((n,), colour or 0, dtype=torch.long, device=x.device)
    d = []
    for p in grid:
        out = apply_family(family, x, torch.full((n,), p, device=x.device), col)
        d.append(float(delta_e(out.double(), x.double()).mean()))
    return grid, d


def _invert(grid: list[float], d: list[float]) -> list[float]:
    mono, best = [], 0.0
    for j, v in enumerate(d):
        best = max(best, v)
        mono.append(best + 1e-9 * j)
    params = []
    for i in range(TABLE + 1):
        target = mono[-1] * i / TABLE
        if i == 0:
            params.append(0.0)
            continue
        if i == TABLE:
            params.append(grid[-1])
            continue
        j = next(k for k in range(1, len(mono)) if mono[k] >= target)
        t = (target - mono[j - 1]) / (mono[j] - mono[j - 1])
        params.append(grid[j - 1] + t * (grid[j] - grid[j - 1]))
    return params


def calibrate(device) -> dict:
    """family -> {"pMax", "dE" (on the p grid), "params" (33 entries)}; tint's are per colour."""
    x = calibration_images(device)
    out: dict = {}
    for fam in FAMILIES:
        if fam == "tint":
            entry = {"pMax": FAMILY_SPECS[fam][0], "dE": {}, "params": {}}
            for ci, cname in enumerate(COLOUR_NAMES):
                grid, d = _curve(fam, x, ci)
                entry["dE"][cname] = d
                entry["params"][cname] = _invert(grid, d)
        else:
            grid, d = _curve(fam, x, None)
            entry = {"pMax": FAMILY_SPECS[fam][0], "dE": d, "params": _invert(grid, d)}
        out[fam] = entry
        print(f"[calibrate] {fam}: dE(pMax) = {(d[-1] if fam != 'tint' else 0):.2f}", flush=True)
    return out


class StrengthMap:
    """Batched s -> p with the calibration tables (row per family, tint rows per colour)."""

    def __init__(self, tables: dict, device):
        rows = []
        for fam in FAMILIES:
            rows.append(tables[fam]["params"] if fam != "tint" else [0.0] * (TABLE + 1))
        for cname in COLOUR_NAMES:
            rows.append(tables["tint"]["params"][cname])
        self.table = torch.tensor(rows, dtype=torch.float32, device=device)

    def __call__(self, s: torch.Tensor, fam: torch.Tensor, colour: torch.Tensor) -> torch.Tensor:
        row = torch.where(fam == TINT, len(FAMILIES) + colour, fam)
        pos = s.clamp(0, 1) * TABLE
        i = pos.floor().long().clamp(max=TABLE - 1)
        t = pos - i
        a = self.table[row, i]
        b = self.table[row, i + 1]
        return a + t * (b - a)
