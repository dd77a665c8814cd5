"""The 16 kk-tiny edit families in torch (reference implementation of FAMILIES.md).

Every function takes images `x` as float tensors [B, 3, H, W] in [0, 1] (gamma-encoded sRGB) and a
per-sample operation parameter `p` [B] (already mapped from the user strength through the family's
calibration table; see `calibration.py`). Batched and device-agnostic, so training data is made on
the GPU on the fly.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

LUMA = (0.299, 0.587, 0.114)
SEPIA = ((0.393, 0.769, 0.189), (0.349, 0.686, 0.168), (0.272, 0.534, 0.131))
NIGHT_GAIN = (0.30, 0.42, 0.80)
FOG_COLOUR = (0.82, 0.84, 0.86)
TINT_K = 0.5
BLUR_RADIUS = 9
COLOURS: dict[str, tuple[float, float, float]] = {
    "red": (0.90, 0.10, 0.10),
    "orange": (1.00, 0.55, 0.00),
    "yellow": (1.00, 0.90, 0.10),
    "green": (0.10, 0.80, 0.20),
    "cyan": (0.00, 0.80, 0.90),
    "blue": (0.10, 0.30, 1.00),
    "purple": (0.60, 0.20, 0.90),
    "pink": (1.00, 0.40, 0.70),
}
COLOUR_NAMES = list(COLOURS)

# id -> (pMax, one-line formula for edits.json)
FAMILY_SPECS: dict[str, tuple[float, str]] = {
    "grayscale": (1.0, "out = lerp(x, Y, p)"),
    "sepia": (1.0, "out = lerp(x, clamp01(M_sepia x), p)"),
    "brighter": (1.5, "out = x ^ (1 / (1 + p))"),
    "darker": (0.7, "out = x (1 - p)"),
    "contrast": (1.0, "out = clamp01(0.5 + (x - 0.5)(1 + p))"),
    "faded": (0.6, "out = 0.5 + (x - 0.5)(1 - p)"),
    "warmer": (0.4, "R = clamp01(R (1 + p)), B = B (1 - p)"),
    "cooler": (0.4, "R = R (1 - p), B = clamp01(B (1 + p))"),
    "vivid": (1.5, "out = clamp01(Y + (x - Y)(1 + p))"),
    "blur": (3.0, "separable Gaussian, sigma = p px, fixed radius 9, edge replicate"),
    "invert": (1.0, "out = lerp(x, 1 - x, p)"),
    "vignette": (1.0, "out = x (1 - p r^4), r^2 = (u^2 + v^2) / 2"),
    "night": (1.0, "out = lerp(x, m (0.3 x + 0.7 Y), p), m = (0.30, 0.42, 0.80)"),
    "fog": (0.75, "out = lerp(x, (0.82, 0.84, 0.86), p)"),
    "tint": (1.0, "out = clamp01(x + p 0.5 (c - Y(c)))"),
    "hue": (180.0, "CSS hue-rotate(p deg), clamp01"),
}
FAMILIES = list(FAMILY_SPECS)


def _col(values, x: torch.Tensor) -> torch.Tensor:
    return torch.tensor(values, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)


def luma(x: torch.Tensor) -> torch.Tensor:
    """Rec. 601 luma of gamma-encoded RGB, [B, 1, H, W]."""
    return x[:, 0:1] * LUMA[0] + x[:, 1:2] * LUMA[1] + x[:, 2:3] * LUMA[2]


def _p(p: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return p.to(dtype=x.dtype, device=x.device).view(-1, 1, 1, 1)


def _matmul3(x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """Per-pixel 3x3 colour matrix; m is [B, 3, 3] (rows give the output channels)."""
    return torch.einsum("bij,bjhw->bihw", m, x)


def gaussian_blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    b, c, h, w = x.shape
    k = torch.arange(-BLUR_RADIUS, BLUR_RADIUS + 1, dtype=x.dtype, device=x.device)
    s = sigma.to(dtype=x.dtype, device=x.device).view(-1, 1)
    safe = torch.clamp(s, min=1e-6)
    wts = torch.exp(-(k.view(1, -1) ** 2) / (2 * safe**2))
    delta = (k == 0).to(x.dtype).view(1, -1).expand_as(wts)
    wts = torch.where(s < 1e-6, delta, wts)
    wts = wts / wts.sum(dim=1, keepdim=True)
    wts = wts.repeat_interleave(c, dim=0)  # [B*3, 19]
    y = x.reshape(1, b * c, h, w)
    y = F.pad(y, (BLUR_RADIUS, BLUR_RADIUS, 0, 0), mode="replicate")
    y = F.conv2d(y, wts.view(b * c, 1, 1, -1), groups=b * c)
    y = F.pad(y, (0, 0, BLUR_RADIUS, BLUR_RADIUS), mode="replicate")
    y = F.conv2d(y, wts.view(b * c, 1, -1, 1), groups=b * c)
    return y.view(b, c, h, w)


def hue_matrix(deg: torch.Tensor) -> torch.Tensor:
    a = deg * (math.pi / 180.0)
    cs, sn = torch.cos(a), torch.sin(a)
    rows = [
        [0.213 + 0.787 * cs - 0.213 * sn, 0.715 - 0.715 * cs - 0.715 * sn, 0.072 - 0.072 * cs + 0.928 * sn],
        [0.213 - 0.213 * cs + 0.143 * sn, 0.715 + 0.285 * cs + 0.140 * sn, 0.072 - 0.072 * cs - 0.283 * sn],
        [0.213 - 0.213 * cs - 0.787 * sn, 0.715 - 0.715 * cs + 0.715 * sn, 0.072 + 0.928 * cs + 0.072 * sn],
    ]
    return torch.stack([torch.stack(r, dim=-1) for r in rows], dim=-2)  # [B, 3, 3]


def vignette_r4(h: int, w: int, like: torch.Tensor) -> torch.Tensor:
    u = (2 * (torch.arange(w, dtype=like.dtype, device=like.device) + 0.5) / w - 1).view(1, 1, 1, w)
    v = (2 * (torch.arange(h, dtype=like.dtype, device=like.device) + 0.5) / h - 1).view(1, 1, h, 1)
    r2 = (u**2 + v**2) / 2
    return r2**2


def apply_family(family: str, x: torch.Tensor, p: torch.Tensor, colour: torch.Tensor | None = None) -> torch.Tensor:
    """The edit `family` at parameters `p` [B]; `colour` [B] (indices into COLOUR_NAMES) for tint."""
    pp = _p(p, x)
    if family == "grayscale":
        out = x + pp * (luma(x) - x)
    elif family == "sepia":
        m = torch.tensor(SEPIA, dtype=x.dtype, device=x.device).expand(x.shape[0], 3, 3)
        out = x + pp * (torch.clamp(_matmul3(x, m), 0, 1) - x)
    elif family == "brighter":
        out = torch.pow(torch.clamp(x, min=0), 1 / (1 + pp))
    elif family == "darker":
        out = x * (1 - pp)
    elif family == "contrast":
        out = 0.5 + (x - 0.5) * (1 + pp)
    elif family == "faded":
        out = 0.5 + (x - 0.5) * (1 - pp)
    elif family == "warmer":
        out = torch.cat([torch.clamp(x[:, 0:1] * (1 + pp), 0, 1), x[:, 1:2], x[:, 2:3] * (1 - pp)], dim=1)
    elif family == "cooler":
        out = torch.cat([x[:, 0:1] * (1 - pp), x[:, 1:2], torch.clamp(x[:, 2:3] * (1 + pp), 0, 1)], dim=1)
    elif family == "vivid":
        y = luma(x)
        out = y + (x - y) * (1 + pp)
    elif family == "blur":
        out = gaussian_blur(x, p)
    elif family == "invert":
        out = x + pp * (1 - 2 * x)
    elif family == "vignette":
        out = x * (1 - pp * vignette_r4(x.shape[2], x.shape[3], x))
    elif family == "night":
        base = 0.3 * x + 0.7 * luma(x)
        out = x + pp * (_col(NIGHT_GAIN, x) * base - x)
    elif family == "fog":
        out = x + pp * (_col(FOG_COLOUR, x) - x)
    elif family == "tint":
        if colour is None:
            raise ValueError("tint needs a colour index per sample")
        table = torch.tensor([COLOURS[n] for n in COLOUR_NAMES], dtype=x.dtype, device=x.device)
        c = table[colour.to(x.device).long()]  # [B, 3]
        yc = c @ torch.tensor(LUMA, dtype=x.dtype, device=x.device)
        offset = TINT_K * (c - yc.view(-1, 1))
        out = x + pp * offset.view(-1, 3, 1, 1)
    elif family == "hue":
        out = _matmul3(x, hue_matrix(p.to(dtype=x.dtype, device=x.device)))
    else:
        raise KeyError(f"unknown edit family {family!r}")
    return torch.clamp(out, 0, 1)


def apply_mixed(x: torch.Tensor, fam_idx: torch.Tensor, p: torch.Tensor, colour: torch.Tensor) -> torch.Tensor:
    """A batch where every sample has its own family (indices into FAMILIES)."""
    out = torch.empty_like(x)
    for i, fam in enumerate(FAMILIES):
        sel = (fam_idx == i).nonzero(as_tuple=True)[0]
        if sel.numel() == 0:
            continue
        out[sel] = apply_family(fam, x[sel], p[sel], colour[sel])
    return out


# ---- CIELAB (D65) and delta-E, as in FAMILIES.md ----

_RGB2XYZ = ((0.4124564, 0.3575761, 0.1804375), (0.2126729, 0.7151522, 0.0721750), (0.0193339, 0.1191920, 0.9503041))
_WHITE = (0.95047, 1.0, 1.08883)


def rgb_to_lab(x: torch.Tensor) -> torch.Tensor:
    lin = torch.where(x <= 0.04045, x / 12.92, torch.pow((torch.clamp(x, min=0) + 0.055) / 1.055, 2.4))
    m = torch.tensor(_RGB2XYZ, dtype=x.dtype, device=x.device)
    xyz = torch.einsum("ij,bjhw->bihw", m, lin) / _col(_WHITE, x)
    e = (6 / 29) ** 3
    f = torch.where(xyz > e, torch.pow(torch.clamp(xyz, min=e), 1 / 3), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    fx, fy, fz = f[:, 0], f[:, 1], f[:, 2]
    return torch.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], dim=1)


def delta_e(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Mean CIE76 distance per image, [B]."""
    d = rgb_to_lab(a) - rgb_to_lab(b)
    return torch.sqrt((d**2).sum(dim=1)).flatten(1).mean(dim=1)


def quantise(x: torch.Tensor) -> torch.Tensor:
    """To the 8-bit grid (ties to even), back in [0, 1]."""
    return torch.round(torch.clamp(x, 0, 1) * 255) / 255
