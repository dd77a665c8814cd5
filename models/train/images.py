"""Source images for kk-tiny: the sample photographs shipped in scikit-image and scikit-learn (random
crops, flips, scale jitter) and procedural scenes and textures generated on the GPU.

Four photos are held out for the eval and never trained on (EVAL_PHOTOS)."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

# Colour photographs (name -> loader key). The eval ones are never trained on or calibrated with.
TRAIN_PHOTOS = [
    "astronaut",
    "china",
    "motorcycle_left",
    "motorcycle_right",
    "hubble_deep_field",
    "immunohistochemistry",
    "retina",
    "colorwheel",
]
GRAY_PHOTOS = ["camera", "moon", "coins", "grass", "gravel", "brick", "page", "clock"]
EVAL_PHOTOS = ["chelsea", "coffee", "rocket", "flower"]

# Working sizes (height, width) of about 256 tokens (16x16-pixel tokens): multiples of 16.
WORKING_SIZES = [
    (256, 256),
    (208, 288),
    (288, 208),
    (224, 288),
    (288, 224),
    (192, 320),
    (320, 192),
    (176, 352),
    (352, 176),
    (240, 272),
    (272, 240),
]


def load_photo(name: str) -> np.ndarray | None:
    """uint8 RGB [H, W, 3], or None when this scikit-image build lacks it (it is then skipped)."""
    try:
        if name in ("china", "flower"):
            from sklearn.datasets import load_sample_images

            imgs = load_sample_images().images
            return imgs[0] if name == "china" else imgs[1]
        from skimage import data

        if name.startswith("motorcycle"):
            left, right, _ = data.stereo_motorcycle()
            im = left if name.endswith("left") else right
        else:
            im = getattr(data, name)()
    except Exception as err:  # a missing optional sample must not stop training
        print(f"[images] skip {name}: {err}", flush=True)
        return None
    im = np.asarray(im)
    if im.ndim == 2:
        im = np.stack([im] * 3, axis=-1)
    im = im[..., :3]
    if im.dtype != np.uint8:
        im = (np.clip(im.astype(np.float64) / (im.max() or 1), 0, 1) * 255).round().astype(np.uint8)
    return im


def to_tensor(im: np.ndarray, device) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(im)).permute(2, 0, 1).float().div(255).to(device)


def fit_resize(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Centre crop [3, H, W] to the aspect of h:w, then antialiased bilinear resize; [1, 3, h, w]."""
    _, hh, ww = x.shape
    if hh * w > ww * h:
        ch, cw = round(ww * h / w), ww
    else:
        ch, cw = hh, round(hh * w / h)
    y0, x0 = (hh - ch) // 2, (ww - cw) // 2
    crop = x[:, y0 : y0 + ch, x0 : x0 + cw].unsqueeze(0)
    return F.interpolate(crop, size=(h, w), mode="bilinear", antialias=True, align_corners=False).clamp(0, 1)


class PhotoCrops:
    """Random crops of the training photos: scale jitter (crop side 35-100% of the largest that fits),
    horizontal flips, resized to the working size on the GPU."""

    def __init__(self, names: list[str], device, max_side: int = 768):
        self.photos: list[torch.Tensor] = []
        self.names: list[str] = []
        for n in names:
            im = load_photo(n)
            if im is None:
                continue
            t = to_tensor(im, device)
            s = max(t.shape[1:])
            if s > max_side:  # pre-shrink huge ones (retina, hubble) once
                t = F.interpolate(t.unsqueeze(0), scale_factor=max_side / s, mode="bilinear", antialias=True)[0]
            self.photos.append(t.clamp(0, 1))
            self.names.append(n)

    def sample(self, n: int, h: int, w: int, gen: torch.Generator) -> torch.Tensor:
        out = []
        r = torch.rand(n, 5, generator=gen).tolist()
        for i in range(n):
            ph = self.photos[int(r[i][0] * len(self.photos)) % len(self.photos)]
            _, hh, ww = ph.shape
            base = min(hh / h, ww / w)
            scale = base * (0.35 + 0.65 * r[i][1])
            ch, cw = max(8, int(h * scale)), max(8, int(w * scale))
            y0 = int(r[i][2] * (hh - ch + 1))
            x0 = int(r[i][3] * (ww - cw + 1))
            crop = ph[:, y0 : y0 + ch, x0 : x0 + cw].unsqueeze(0)
            crop = F.interpolate(crop, size=(h, w), mode="bilinear", antialias=True, align_corners=False)
            if r[i][4] < 0.5:
                crop = crop.flip(-1)
            out.append(crop)
        return torch.cat(out).clamp(0, 1)


def _fractal(n: int, c: int, h: int, w: int, gen: torch.Generator, device, octaves: int = 5) -> torch.Tensor:
    """Multi-octave value noise in about [0, 1], [n, c, h, w]."""
    acc = torch.zeros(n, c, h, w, device=device)
    amp_total = 0.0
    base = 2 + int(torch.randint(0, 4, (1,), generator=gen, device=device))
    for o in range(octaves):
        gh, gw = base * 2**o, base * 2**o
        grid = torch.rand(n, c, gh + 1, gw + 1, generator=gen, device=device)
        amp = 0.55**o
        acc += amp * F.interpolate(grid, size=(h, w), mode="bicubic", align_corners=True)
        amp_total += amp
    return (acc / amp_total).clamp(0, 1)


def _palette(n: int, k: int, gen: torch.Generator, device) -> torch.Tensor:
    return torch.rand(n, k, 3, generator=gen, device=device)


def _map_palette(v: torch.Tensor, pal: torch.Tensor) -> torch.Tensor:
    """v [n,1,h,w] in [0,1] -> colours interpolated along the palette [n,k,3]."""
    k = pal.shape[1]
    pos = v.clamp(0, 1) * (k - 1)
    i0 = pos.floor().long().clamp(max=k - 2)
    t = pos - i0
    c0 = torch.gather(pal, 1, i0.flatten(1).unsqueeze(-1).expand(-1, -1, 3))
    c1 = torch.gather(pal, 1, (i0 + 1).flatten(1).unsqueeze(-1).expand(-1, -1, 3))
    col = c0 + t.flatten(1).unsqueeze(-1) * (c1 - c0)
    return col.transpose(1, 2).reshape(v.shape[0], 3, v.shape[2], v.shape[3])


def procedural(n: int, h: int, w: int, gen: torch.Generator, device) -> torch.Tensor:
    """A batch of procedural scenes: landscapes, shape collages, palette-mapped fractal textures and
    gratings, one kind per sample at random."""
    yy = torch.linspace(0, 1, h, device=device).view(1, 1, h, 1)
    xx = torch.linspace(0, 1, w, device=device).view(1, 1, 1, w)
    kind = torch.randint(0, 4, (n,), generator=gen, device=device)

    # 0: landscape - sky gradient, wavy horizon, textured ground, a sun
    sky_top, sky_bot = _palette(n, 2, gen, device).unbind(1)
    sky = sky_top.view(n, 3, 1, 1) * (1 - yy) + sky_bot.view(n, 3, 1, 1) * yy
    hor = 0.35 + 0.4 * torch.rand(n, 1, 1, 1, generator=gen, device=device)
    wave = (_fractal(n, 1, 1, w, gen, device, 4) - 0.5) * 0.3
    ground_tex = _fractal(n, 1, h, w, gen, device)
    ground = _map_palette(ground_tex, _palette(n, 3, gen, device))
    gmask = torch.sigmoid((yy - hor - wave) * 200)
    sun_c = torch.rand(n, 2, generator=gen, device=device)
    sun_r = 0.04 + 0.08 * torch.rand(n, generator=gen, device=device)
    d = ((xx - sun_c[:, 0].view(n, 1, 1, 1)) ** 2 + ((yy - sun_c[:, 1].view(n, 1, 1, 1)) * h / w) ** 2).sqrt()
    sun = torch.sigmoid((sun_r.view(n, 1, 1, 1) - d) * 300)
    land = sky * (1 - sun) + torch.tensor([1.0, 0.95, 0.7], device=device).view(1, 3, 1, 1) * sun
    land = land * (1 - gmask) + ground * gmask

    # 1: collage of soft ellipses and rectangles over a gradient
    c0, c1 = _palette(n, 2, gen, device).unbind(1)
    ang = torch.rand(n, 1, 1, 1, generator=gen, device=device) * 2 * math.pi
    g = (xx * torch.cos(ang) + yy * torch.sin(ang)).clamp(0, 1)
    coll = c0.view(n, 3, 1, 1) * (1 - g) + c1.view(n, 3, 1, 1) * g
    for _ in range(10):
        col = torch.rand(n, 3, 1, 1, generator=gen, device=device)
        cx, cy, rx, ry, sh, on = torch.rand(6, n, 1, 1, 1, generator=gen, device=device)
        rx, ry = 0.03 + 0.25 * rx, 0.03 + 0.25 * ry
        ell = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2
        box = torch.maximum(((xx - cx) / rx).abs(), ((yy - cy) / ry).abs())
        shape = torch.where(sh < 0.5, ell, box)
        edge = 10 + 200 * torch.rand(n, 1, 1, 1, generator=gen, device=device)
        m = torch.sigmoid((1 - shape) * edge) * (on < 0.8)
        coll = coll * (1 - m) + col * m
    coll = coll * (0.85 + 0.3 * _fractal(n, 1, h, w, gen, device, 3))

    # 2: palette-mapped fractal texture
    tex = _map_palette(_fractal(n, 1, h, w, gen, device), _palette(n, 4, gen, device))
    tex = tex * (0.8 + 0.4 * _fractal(n, 3, h, w, gen, device, 4))

    # 3: gratings / stripes / checkers with random frequency and angle
    f = 2 + 20 * torch.rand(n, 1, 1, 1, generator=gen, device=device)
    a = torch.rand(n, 1, 1, 1, generator=gen, device=device) * math.pi
    u = xx * torch.cos(a) + yy * torch.sin(a) * h / w
    v = -xx * torch.sin(a) + yy * torch.cos(a) * h / w
    s1 = torch.sin(2 * math.pi * f * u)
    s2 = torch.sin(2 * math.pi * f * v)
    sharp = 1 + 15 * torch.rand(n, 1, 1, 1, generator=gen, device=device)
    chk = torch.rand(n, 1, 1, 1, generator=gen, device=device) < 0.5
    pat = torch.where(chk, s1 * s2, s1)
    pat = torch.tanh(pat * sharp) * 0.5 + 0.5
    ca, cb = _palette(n, 2, gen, device).unbind(1)
    grat = ca.view(n, 3, 1, 1) * pat + cb.view(n, 3, 1, 1) * (1 - pat)
    grat = grat * (0.7 + 0.6 * _fractal(n, 1, h, w, gen, device, 3))

    k = kind.view(n, 1, 1, 1)
    out = torch.where(k == 0, land, torch.where(k == 1, coll, torch.where(k == 2, tex, grat)))
    return out.clamp(0, 1)


# The second copy of each photo crop has its saturation scaled by a log-uniform gain in this range: the eight
# colour training photos are mostly muted, and kk-tiny 4.1 left 10-37 % of the colour of vivid outside photos
# (Debian's KDE wallpapers) at "black and white" strength 1.
SATURATION_GAIN = (0.5, 2.5)


def vary_saturation(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Each image's chroma (its difference from its Rec. 601 luma) scaled by a random gain, clipped to [0, 1];
    grey images stay grey."""
    n = x.shape[0]
    lo, hi = math.log(SATURATION_GAIN[0]), math.log(SATURATION_GAIN[1])
    gain = torch.exp(lo + (hi - lo) * torch.rand(n, 1, 1, 1, generator=gen, device=gen.device)).to(x.device)
    luma = (x * torch.tensor([0.299, 0.587, 0.114], device=x.device).view(1, 3, 1, 1)).sum(1, keepdim=True)
    return (luma + (x - luma) * gain).clamp(0, 1)


def training_sources(photos: PhotoCrops, gray: PhotoCrops, n: int, h: int, w: int, gen: torch.Generator,
                     cpu_gen: torch.Generator, device) -> torch.Tensor:
    """A training batch of 8-bit sources: half photo crops (an eighth of them from the grey photos; each crop
    used twice, the second time with its saturation varied), half procedural scenes."""
    from .edits import quantise

    n_photo = n // 2
    n_crops = max(1, n_photo // 2)
    crops = photos.sample(n_crops - n_crops // 8, h, w, cpu_gen)
    if n_crops // 8:
        crops = torch.cat([crops, gray.sample(n_crops // 8, h, w, cpu_gen)])
    crops = torch.cat([crops, vary_saturation(crops, cpu_gen)])[:n_photo]
    proc = procedural(n - n_photo, h, w, gen, device)
    return quantise(torch.cat([crops, proc]))
