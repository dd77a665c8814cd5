"""Python-side eval of kk-tiny on the held-out photos and held-out phrasings (metrics: FAMILIES.md).

Sampling mirrors the TypeScript pipeline: text encoders, projector at each strength, source encoded by the
codec and packed as context tokens (ids first coordinate 1), one shared initial noise per sweep, sigmas =
linspace(1, 1/N, N) time-shifted by mu(noisy sequence length), Euler x += (sigma_next - sigma) v, guidance
fixed, decode, clamp, round to 8 bits."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .edits import COLOUR_NAMES, FAMILIES, apply_mixed, delta_e, quantise
from .images import EVAL_PHOTOS, fit_resize, load_photo, to_tensor
from .phrasings import HELD_OUT, render, split

# Held-out photo -> working size (height, width): fixed points of the pipeline's workingSize at maxArea 65536.
EVAL_SIZES = {"chelsea": (208, 288), "coffee": (208, 288), "rocket": (288, 208), "flower": (256, 256)}
SWEEP_S = [k / 7 for k in range(8)]
EXTRA_S = [0.25, 0.5, 0.75]
FIDELITY_S = [0.25, 0.5, 0.75, 1.0]


def log(msg: str) -> None:
    print(msg, flush=True)


def eval_images(out_dir: Path, device, quick: bool) -> dict[str, torch.Tensor]:
    """Held-out photos at their working size, JPEG (q 92, 4:4:4) round-tripped: the files the TS eval reads.

    All of them are written (they ship in the bundle); `quick` returns only the first to evaluate."""
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {}
    for name in EVAL_PHOTOS:
        im = load_photo(name)
        if im is None:
            continue
        h, w = EVAL_SIZES[name]
        x = fit_resize(to_tensor(im, "cpu"), h, w)[0]
        arr = (x.permute(1, 2, 0).numpy() * 255).round().clip(0, 255).astype(np.uint8)
        for quality in (92, 88, 84, 80):
            buf = io.BytesIO()
            Image.fromarray(arr).save(buf, format="JPEG", quality=quality, subsampling=0, optimize=True)
            if buf.tell() < 60_000:
                break
        (out_dir / f"{name}.jpg").write_bytes(buf.getvalue())
        dec = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
        log(f"[eval] {name}: {w}x{h}, JPEG q{quality} {buf.tell()} bytes")
        if not quick or not result:
            result[name] = to_tensor(dec, device).unsqueeze(0)
    return result


@torch.no_grad()
def sample(trainer, src01: torch.Tensor, texts: list[str], strengths: torch.Tensor, noise: torch.Tensor,
           steps: int) -> torch.Tensor:
    """src01 [1,3,H,W]; one row per (text, strength); noise [1, N, C*4] shared. Returns 8-bit-rounded [0,1]."""
    from .train import encode_text, from_latent_tokens, image_ids, inference_sigmas, to_latent_tokens, velocity

    models = trainer.models
    codec = models["codec"]
    _, _, h, w = src01.shape
    n = len(texts)
    clip_ids, t5_ids = trainer.text.encode(texts)
    pooled, seq = encode_text(models, clip_ids, t5_ids)
    ctx = to_latent_tokens(codec, src01 * 1.0).expand(n, -1, -1)
    x = noise.expand(n, -1, -1).clone()
    gh, gw = h // 16, w // 16
    ids = torch.cat([image_ids(gh, gw, 0.0, src01.device), image_ids(gh, gw, 1.0, src01.device)])
    txt_ids = torch.zeros(t5_ids.shape[1], 3, device=src01.device)
    sig = inference_sigmas(steps, x.shape[1], trainer.sched)
    for i in range(steps):
        sigma = torch.full((n,), sig[i], device=src01.device)
        v = velocity(models, x, ctx, pooled, seq, sigma, strengths, ids, txt_ids)
        x = x + (sig[i + 1] - sig[i]) * v
    img = from_latent_tokens(codec, x, h, w).clamp(-1, 1)
    return torch.round((img + 1) * 127.5) / 255


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    mse = ((a - b) ** 2).flatten(1).mean(dim=1).clamp(min=1e-12)
    return 10 * torch.log10(1 / mse)


def sweep_metrics(frames: torch.Tensor, src: torch.Tensor) -> dict:
    """frames [8,3,H,W] at s = k/7."""
    d0 = delta_e(frames.double(), src.double().expand_as(frames)).tolist()
    mono = all(d0[k] >= d0[k - 1] - 0.25 for k in range(1, len(d0)))
    s = np.array(SWEEP_S)
    dd = np.array(d0)
    r = float(np.corrcoef(s, dd)[0, 1]) if dd.std() > 1e-9 else 0.0
    worst = 0.0
    for k in range(len(d0) - 2):
        a, b, c = frames[k : k + 1].double(), frames[k + 1 : k + 2].double(), frames[k + 2 : k + 3].double()
        dac = float(delta_e(a, c))
        if dac < 0.5:
            continue
        worst = max(worst, (float(delta_e(a, b)) + float(delta_e(b, c)) - dac) / dac)
    return {"monotone": mono, "r": r, "smooth": worst, "dE": d0}


def run_eval(trainer, tables: dict, bundle_dir: Path, quick: bool = False, quick_steps: int = 2) -> dict:
    device = trainer.device
    prev_tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32 like the ONNX graphs
    photos = eval_images(bundle_dir / "eval-images", device, quick)
    strengths = SWEEP_S + EXTRA_S
    results: dict = {}
    for steps in ([quick_steps] if quick else [1, 2, 3]):
        rows: dict[str, list] = {f: [] for f in FAMILIES}
        target_rows: dict[str, list] = {f: [] for f in FAMILIES}
        for pi, (name, src) in enumerate(photos.items()):
            gen = torch.Generator(device=device)
            gen.manual_seed(1000 + pi)
            _, _, h, w = src.shape
            noise = torch.randn(1, (h // 16) * (w // 16), trainer.models["transformer"].config.in_channels,
                                generator=gen, device=device)
            for hi in range(1 if quick else HELD_OUT):
                texts, fams, cols, ss = [], [], [], []
                for f, fam in enumerate(FAMILIES):
                    colour = (2 * pi + hi) % len(COLOUR_NAMES)
                    text = render(split(fam)[1][hi], COLOUR_NAMES[colour])
                    for s in strengths:
                        texts.append(text)
                        fams.append(f)
                        cols.append(colour)
                        ss.append(s)
                st = torch.tensor(ss, device=device)
                fam_t = torch.tensor(fams, device=device)
                col_t = torch.tensor(cols, device=device)
                out = sample(trainer, src, texts, st, noise, steps)
                p = trainer.smap(st, fam_t, col_t)
                tgt = quantise(apply_mixed(src.expand(len(texts), -1, -1, -1), fam_t, p, col_t))
                k = len(strengths)
                for f, fam in enumerate(FAMILIES):
                    o, t = out[f * k : (f + 1) * k], tgt[f * k : (f + 1) * k]
                    by_s = {s: i for i, s in enumerate(strengths)}
                    fid = {str(s): float(psnr(o[by_s[s] : by_s[s] + 1], t[by_s[s] : by_s[s] + 1])) for s in FIDELITY_S}
                    rows[fam].append({
                        "photo": name, "text": texts[f * k], "identity": float(psnr(o[0:1], src)),
                        "fidelity": fid, **sweep_metrics(o[:8], src),
                    })
                    target_rows[fam].append(sweep_metrics(t[:8], src))
        results[f"steps{steps}"] = summarise(rows, target_rows)
        log(f"[eval] steps={steps}")
        print_table(results[f"steps{steps}"])
    torch.backends.cuda.matmul.allow_tf32 = prev_tf32
    best = max(results, key=lambda k: results[k]["overall"]["fidelity"] - 0.15 * int(k[-1]))
    results["chosenSteps"] = int(best[-1])
    log(f"[eval] chosen default steps: {results['chosenSteps']}")
    return results


def summarise(rows: dict, target_rows: dict) -> dict:
    fams = {}
    for fam, rs in rows.items():
        fid_all = [v for r in rs for v in r["fidelity"].values()]
        fams[fam] = {
            "identity": float(np.mean([r["identity"] for r in rs])),
            "fidelity": float(np.mean(fid_all)),
            "fidelityMin": float(np.min(fid_all)),
            "fidelityByS": {s: float(np.mean([r["fidelity"][s] for r in rs])) for s in rs[0]["fidelity"]},
            "monotone": float(np.mean([r["monotone"] for r in rs])),
            "r": float(np.mean([r["r"] for r in rs])),
            "rMin": float(np.min([r["r"] for r in rs])),
            "smooth": float(np.max([r["smooth"] for r in rs])),
            "smoothMean": float(np.mean([r["smooth"] for r in rs])),
            "targetR": float(np.mean([r["r"] for r in target_rows[fam]])),
            "targetSmooth": float(np.max([r["smooth"] for r in target_rows[fam]])),
            "n": len(rs),
        }
    all_rows = [r for rs in rows.values() for r in rs]
    overall = {
        "identity": float(np.mean([r["identity"] for r in all_rows])),
        "fidelity": float(np.mean([v for r in all_rows for v in r["fidelity"].values()])),
        "worstFamilyFidelity": float(min(v["fidelity"] for v in fams.values())),
        "monotone": float(np.mean([r["monotone"] for r in all_rows])),
        "r": float(np.mean([r["r"] for r in all_rows])),
        "rAtLeast098": float(np.mean([abs(r["r"]) >= 0.98 for r in all_rows])),
        "smoothMean": float(np.mean([r["smooth"] for r in all_rows])),
        "smoothAtMost010": float(np.mean([r["smooth"] <= 0.10 for r in all_rows])),
        "n": len(all_rows),
    }
    return {"families": fams, "overall": overall}


def print_table(res: dict) -> None:
    head = f"{'family':10s} {'ident':>6s} {'fid':>6s} {'fidmin':>6s} {'f.25':>6s} {'f.5':>6s} {'f.75':>6s} {'f1':>6s} " \
           f"{'mono':>5s} {'r':>6s} {'rmin':>6s} {'smooth':>6s} {'tgt r':>6s}"
    log(head)
    for fam, v in res["families"].items():
        fs = v["fidelityByS"]
        log(f"{fam:10s} {v['identity']:6.2f} {v['fidelity']:6.2f} {v['fidelityMin']:6.2f} {fs['0.25']:6.2f} "
            f"{fs['0.5']:6.2f} {fs['0.75']:6.2f} {fs['1.0']:6.2f} {v['monotone']:5.2f} {v['r']:6.3f} {v['rMin']:6.3f} "
            f"{v['smooth']:6.3f} {v['targetR']:6.3f}")
    o = res["overall"]
    log(f"{'OVERALL':10s} {o['identity']:6.2f} {o['fidelity']:6.2f} worst-family {o['worstFamilyFidelity']:.2f} "
        f"mono {o['monotone']:.3f} r {o['r']:.4f} (|r|>=.98: {o['rAtLeast098']:.2f}) smooth<=.1: "
        f"{o['smoothAtMost010']:.2f} (mean {o['smoothMean']:.3f})")
