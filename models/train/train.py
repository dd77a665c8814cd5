"""Trains kk-tiny on procedural edits, then evaluates it and exports the bundle (one command on the GPU host).

  python -m models.train.train --out $OUT --steps 2500 [--batch 512] [--lr 1.3e-3] [--bundle-dir <dir>]

(kk-tiny 3.0.0: `--steps 2500 --batch 512 --lr 1.3e-3 --eval quick`, run by models/train/run_on_device.sh.)

Rectified flow matching as FLUX: x_t = (1 - t) x0 + t noise, the transformer predicts v = noise - x0 for the
noisy tokens given concat(noisy tokens, context tokens). Trains for a fixed number of steps with deterministic
CUDA kernels, so the same command on the same software gives the same weights (`--seconds` instead stops by
wall clock: for exploring, not reproducible). Losses go to stdout and <out>/loss.csv; checkpoints
(safetensors) to <out> every 90 s and at the end.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

# cuBLAS needs this set before CUDA starts to have deterministic kernels (torch.use_deterministic_algorithms).
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

from models.export.slider import set_slider_modulation  # noqa: E402

from . import model as M
from .calibration import StrengthMap, calibrate
from .codec import load_codec_state
from .edits import COLOUR_NAMES, FAMILIES, apply_mixed, quantise
from .images import GRAY_PHOTOS, TRAIN_PHOTOS, WORKING_SIZES, PhotoCrops, training_sources
from .phrasings import PHRASINGS, UNK, render, split, train_vocabulary
from .schedule import inference_sigmas, mu_for, warmup_cosine

SWEEP = 8  # the paper samples s over the sweep positions {0, 1/7, ..., 1}
TINT = FAMILIES.index("tint")
# Families are drawn uniformly from this list, so blur is drawn three times as often as the others (kk-tiny 3:
# twice; kk-tiny 4's first run still had a flat blur sweep, |r| 0.84-0.86): its edit moves the latents least (a Gaussian blur lives in the codec's weakest components), and kk-tiny 2, trained uniformly,
# barely made its blur grow with strength (held-out |r| 0.50 against >= 0.98 for most families).
FAMILY_DRAWS = FAMILIES + ["blur", "blur"]
# The codec's own training images (sources and their edits) keep the draws it was trained with.
CODEC_FAMILY_DRAWS = FAMILIES + ["blur"]


def log(msg: str) -> None:
    print(msg, flush=True)


# ---- token packing (FluxKontextPipeline._pack_latents / _prepare_latent_image_ids) ----

def pack(z: torch.Tensor) -> torch.Tensor:
    b, c, h, w = z.shape
    return z.view(b, c, h // 2, 2, w // 2, 2).permute(0, 2, 4, 1, 3, 5).reshape(b, (h // 2) * (w // 2), c * 4)


def unpack(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    b, n, d = x.shape
    c = d // 4
    return x.view(b, h // 2, w // 2, c, 2, 2).permute(0, 3, 1, 4, 2, 5).reshape(b, c, h, w)


def image_ids(gh: int, gw: int, first: float, device) -> torch.Tensor:
    ids = torch.zeros(gh, gw, 3, device=device)
    ids[..., 0] = first
    ids[..., 1] = torch.arange(gh, device=device).view(-1, 1).float()
    ids[..., 2] = torch.arange(gw, device=device).view(1, -1).float()
    return ids.reshape(-1, 3)


# ---- text ----

class TextTable:
    """Every training (and eval) instruction pre-tokenised; rows of phrasings per family / tint colour."""

    def __init__(self, toks: dict, device):
        self.toks = toks
        self.device = device
        texts: list[str] = []
        keyed: dict[int, list[int]] = {}
        for f, fam in enumerate(FAMILIES):
            colours = COLOUR_NAMES if fam == "tint" else [None]
            for ci, col in enumerate(colours):
                row = len(FAMILIES) + ci if fam == "tint" else f
                for ph in split(fam)[0]:
                    keyed.setdefault(row, []).append(len(texts))
                    texts.append(render(ph, col))
        self.texts = texts
        n_rows = len(FAMILIES) + len(COLOUR_NAMES)
        width = max(len(v) for v in keyed.values())
        table = torch.zeros(n_rows, width, dtype=torch.long)
        for r, idxs in keyed.items():
            table[r] = torch.tensor((idxs * width)[:width])
        self.table = table.to(device)
        self.width = width
        self.clip_ids, self.t5_ids = self.encode(texts)
        self.clip_unk = toks["clip_tok"].token_to_id(M.CLIP_UNK)
        self.t5_unk = toks["t5_tok"].token_to_id("<unk>")

    def encode(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        c = [e.ids for e in self.toks["clip_fixed"].encode_batch(texts)]
        t = [e.ids for e in self.toks["t5_fixed"].encode_batch(texts)]
        return torch.tensor(c, device=self.device), torch.tensor(t, device=self.device)

    def sample(self, fam: torch.Tensor, colour: torch.Tensor, word_drop: float, gen: torch.Generator):
        row = torch.where(fam == TINT, len(FAMILIES) + colour, fam)
        j = torch.randint(0, self.width, fam.shape, generator=gen, device=fam.device)
        idx = self.table[row, j]
        clip_ids, t5_ids = self.clip_ids[idx].clone(), self.t5_ids[idx].clone()
        if word_drop > 0:
            eos = self.toks["clip_eos"]
            bos = self.toks["clip_bos"]
            words = (clip_ids != eos) & (clip_ids != bos)
            drop = (torch.rand(clip_ids.shape, generator=gen, device=fam.device) < word_drop) & words
            clip_ids[drop] = self.clip_unk
            words5 = t5_ids > 2
            drop5 = (torch.rand(t5_ids.shape, generator=gen, device=fam.device) < word_drop) & words5
            t5_ids[drop5] = self.t5_unk
        return clip_ids, t5_ids


# ---- the model forward used by training and eval ----

def encode_text(models: dict, clip_ids, t5_ids):
    pooled = models["clip"](input_ids=clip_ids).pooler_output
    seq = models["t5"](input_ids=t5_ids).last_hidden_state
    return pooled, seq


def velocity(models: dict, x_t, ctx, pooled, seq, sigma, strength, img_ids, txt_ids):
    tr = models["transformer"]
    mod = models["projector"](strength, pooled)
    set_slider_modulation(tr, mod)
    try:
        out = tr(hidden_states=torch.cat([x_t, ctx], dim=1), encoder_hidden_states=seq, pooled_projections=pooled,
                 timestep=sigma, img_ids=img_ids, txt_ids=txt_ids,
                 guidance=torch.full_like(sigma, M.GUIDANCE), return_dict=False)[0]
    finally:
        set_slider_modulation(tr, None)
    return out[:, : x_t.shape[1]]


def to_latent_tokens(codec, img01: torch.Tensor) -> torch.Tensor:
    z = codec.encoder(img01 * 2 - 1)
    z = (z - codec.config.shift_factor) * codec.config.scaling_factor
    return pack(z)


def from_latent_tokens(codec, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    z = unpack(x, h // M.SCALE_FACTOR, w // M.SCALE_FACTOR)
    z = z / codec.config.scaling_factor + codec.config.shift_factor
    return codec.decoder(z)


# ---- training ----

class Trainer:
    def __init__(self, args, device):
        self.args = args
        self.device = device
        self.gen = torch.Generator(device=device)
        self.gen.manual_seed(args.seed)
        self.cpu_gen = torch.Generator()
        self.cpu_gen.manual_seed(args.seed)
        random.seed(args.seed)
        self.vocab = train_vocabulary(COLOUR_NAMES)
        self.models = M.build_models(self.vocab, args.seed)
        for k in ("clip", "t5", "transformer", "projector", "codec"):
            self.models[k].to(device)
        self.photos = PhotoCrops(TRAIN_PHOTOS, device)
        self.gray = PhotoCrops(GRAY_PHOTOS, device)
        log(f"[data] photos {self.photos.names}, gray {self.gray.names}")
        self.text = TextTable(self.models, device)
        log(f"[text] vocabulary {len(self.vocab)} words, {len(self.text.texts)} training instructions")
        self.family_draws = torch.tensor([FAMILIES.index(f) for f in FAMILY_DRAWS], device=device)
        self.codec_draws = torch.tensor([FAMILIES.index(f) for f in CODEC_FAMILY_DRAWS], device=device)
        self.sched = {"base_shift": 0.5, "max_shift": 1.15, "base_image_seq_len": 256, "max_image_seq_len": 4096}

    def sources(self, n: int, h: int, w: int) -> torch.Tensor:
        return training_sources(self.photos, self.gray, n, h, w, self.gen, self.cpu_gen, self.device)

    def fit_codec(self):
        """The codec's PCA core from source images, then its convolutional branches: loaded from
        `--codec-weights` (a `--codec-only` run's codec.safetensors) or trained here for `--codec-steps`."""
        from .codec import latent_scale, train_codec

        if self.args.codec_from_bundle:
            return self.codec_from_bundle(self.args.codec_from_bundle)
        codec = self.models["codec"]
        ims = [self.sources(64, 256, 256) for _ in range(4)]
        facts = codec.fit_pca(torch.cat(ims) * 2 - 1)
        log(f"[codec] PCA core {M.LATENT_CHANNELS} channels: {facts}")
        if self.args.codec_weights:
            from safetensors.torch import load_file

            codec.load_state_dict(load_file(str(self.args.codec_weights), device=str(self.device)))
            facts["loaded"] = str(self.args.codec_weights)
        else:
            facts["training"] = train_codec(codec, self.codec_batch, self.args.codec_steps, self.args.codec_lr,
                                            log, self.device)
        for p in codec.parameters():
            p.requires_grad_(False)
        codec.config.scaling_factor = latent_scale(codec, torch.cat(ims))
        facts["scalingFactor"] = codec.config.scaling_factor
        log(f"[codec] scaling factor {codec.config.scaling_factor:.4f}")
        return facts

    def codec_from_bundle(self, bundle: Path) -> dict:
        """A shipped bundle's codec, its scaling factor included, so that the transformer trains in the latent
        space users' bundles decode (kk-tiny 4.2 keeps 4.1's encoder and lapped decoder)."""
        from .bundle_codec import load_codec

        manifest = json.loads((bundle / "model.json").read_text())
        codec = load_codec(bundle, manifest, log).to(self.device)
        for p in codec.parameters():
            p.requires_grad_(False)
        self.models["codec"] = codec
        log(f"[codec] from {bundle} ({manifest['id']} {manifest['version']}), scaling factor "
            f"{codec.config.scaling_factor:.4f}")
        return {"fromBundle": str(bundle), "bundleVersion": manifest["version"],
                "scalingFactor": codec.config.scaling_factor}

    def codec_batch(self) -> torch.Tensor:
        """Sources and their edits (every family, any strength) at a random working size: the codec must
        reproduce blurred, fogged, inverted ... images as well as photos."""
        _, _, src, tgt, *_ = self.batch(32, self.codec_draws)
        return torch.cat([src, tgt])

    def sample_strength(self, n: int) -> torch.Tensor:
        # Half on the sweep positions (as the paper), half uniform so single strengths in between are seen.
        discrete = torch.randint(0, SWEEP, (n,), generator=self.gen, device=self.device).float() / (SWEEP - 1)
        cont = torch.rand(n, generator=self.gen, device=self.device)
        pick = torch.rand(n, generator=self.gen, device=self.device) < 0.5
        return torch.where(pick, discrete, cont)

    def sample_sigma(self, n: int, seq_len: int) -> torch.Tensor:
        mu = mu_for(seq_len, self.sched)
        table = []
        for steps in (1, 2, 3, 4):
            table.append(inference_sigmas(steps, seq_len, self.sched)[:-1])
        steps = torch.randint(0, 4, (n,), generator=self.cpu_gen)
        picks = [table[int(s)][int(torch.randint(0, len(table[int(s)]), (1,), generator=self.cpu_gen))] for s in steps]
        sched = torch.tensor(picks, device=self.device)
        u = torch.rand(n, generator=self.gen, device=self.device).clamp(1e-3, 1.0)
        cont = math.exp(mu) / (math.exp(mu) + (1 / u - 1))
        pick = torch.rand(n, generator=self.gen, device=self.device) < 0.5
        return torch.where(pick, sched, cont)

    def batch(self, n: int, draws: torch.Tensor | None = None):
        draws = self.family_draws if draws is None else draws
        h, w = random.choice(WORKING_SIZES)
        src = self.sources(n, h, w)
        fam = draws[torch.randint(0, len(draws), (n,), generator=self.gen, device=self.device)]
        colour = torch.randint(0, len(COLOUR_NAMES), (n,), generator=self.gen, device=self.device)
        s = self.sample_strength(n)
        p = self.smap(s, fam, colour)
        tgt = quantise(apply_mixed(src, fam, p, colour))
        return h, w, src, tgt, fam, colour, s

    def step_loss(self, n: int):
        h, w, src, tgt, fam, colour, s = self.batch(n)
        codec = self.models["codec"]
        # The codec runs in bf16 like the transformer: its full-resolution convolutions on 2 x 512 images are
        # memory-bound, and in fp32 they made a step 30 % slower (kk-tiny 4's first run hit the call limit).
        with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.device.type == "cuda"):
            x0 = to_latent_tokens(codec, tgt).float()
            ctx = to_latent_tokens(codec, src).float()
        seq = x0.shape[1]
        sigma = self.sample_sigma(n, seq)
        noise = torch.randn(x0.shape, generator=self.gen, device=self.device)
        x_t = (1 - sigma.view(-1, 1, 1)) * x0 + sigma.view(-1, 1, 1) * noise
        gh, gw = h // 16, w // 16
        ids = torch.cat([image_ids(gh, gw, 0.0, self.device), image_ids(gh, gw, 1.0, self.device)])
        clip_ids, t5_ids = self.text.sample(fam, colour, self.args.word_drop, self.gen)
        txt_ids = torch.zeros(t5_ids.shape[1], 3, device=self.device)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.device.type == "cuda"):
            pooled, tseq = encode_text(self.models, clip_ids, t5_ids)
            v = velocity(self.models, x_t, ctx, pooled, tseq, sigma, s, ids, txt_ids)
        per = ((v.float() - (noise - x0)) ** 2).mean(dim=(1, 2))
        return per.mean(), per.detach(), fam

    def trainable(self):
        params = []
        for k in ("clip", "t5", "transformer", "projector"):
            params += [p for p in self.models[k].parameters() if p.requires_grad]
        return params

    def save(self, path: Path, ema: list[torch.Tensor] | None):
        from safetensors.torch import save_file

        params = self.trainable()
        swap = ema is not None
        if swap:
            backup = [p.detach().clone() for p in params]
            for p, e in zip(params, ema):
                p.data.copy_(e)
        tr = {f"transformer.{k}": v.detach().half().contiguous().cpu()
              for k, v in self.models["transformer"].state_dict().items()}
        rest = {}
        for name in ("clip", "t5", "projector", "codec"):
            for k, v in self.models[name].state_dict().items():
                rest[f"{name}.{k}"] = v.detach().float().contiguous().cpu()
        meta = {"config": M.config_json(), "scalingFactor": str(self.models["codec"].config.scaling_factor),
                "vocab": json.dumps(self.vocab), "note": "transformer weights stored as fp16"}
        save_file(tr, str(path / "ckpt-transformer.safetensors"), metadata=meta)
        save_file(rest, str(path / "ckpt-rest.safetensors"), metadata=meta)
        if swap:
            for p, b in zip(params, backup):
                p.data.copy_(b)

    def load_checkpoint(self, run_dir: Path) -> None:
        """Weights (and the codec's scaling factor) from `save()`'s two files in `run_dir`."""
        from safetensors import safe_open
        from safetensors.torch import load_file

        tr = load_file(str(run_dir / "ckpt-transformer.safetensors"), device=str(self.device))
        self.models["transformer"].load_state_dict({k.removeprefix("transformer."): v.float() for k, v in tr.items()})
        rest = load_file(str(run_dir / "ckpt-rest.safetensors"), device=str(self.device))
        for name in ("clip", "t5", "projector", "codec"):
            prefix = f"{name}."
            state = {k[len(prefix):]: v for k, v in rest.items() if k.startswith(prefix)}
            if name == "codec":
                load_codec_state(self.models[name], state)
            else:
                self.models[name].load_state_dict(state)
        with safe_open(str(run_dir / "ckpt-rest.safetensors"), framework="pt") as f:
            meta = f.metadata()
        self.models["codec"].config.scaling_factor = float(meta["scalingFactor"])
        log(f"[init] weights from {run_dir} (codec scaling factor {meta['scalingFactor']})")

    def train(self, steps: int | None, seconds: float | None, out: Path):
        params = self.trainable()
        opt = torch.optim.AdamW(params, lr=self.args.lr, betas=(0.9, 0.99), weight_decay=0.0)
        ema = [p.detach().clone() for p in params]
        csv = (out / "loss.csv").open("w")
        csv.write("step,seconds,lr,loss,loss_ema\n")
        fam_loss = torch.zeros(len(FAMILIES), device=self.device)
        fam_count = torch.zeros(len(FAMILIES), device=self.device)
        start = time.time()
        last_save = start
        step, smooth = 0, None
        for m in ("clip", "t5", "transformer", "projector"):
            self.models[m].train()
        while True:
            elapsed = time.time() - start
            if steps is not None:
                if step >= steps:
                    break
                frac = step / steps
            else:
                if elapsed > seconds:
                    break
                frac = elapsed / seconds
            lr = warmup_cosine(self.args.lr, step, frac, self.args.warmup)
            for g in opt.param_groups:
                g["lr"] = lr
            loss, per, fam = self.step_loss(self.args.batch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            decay = min(self.args.ema, (1 + step) / (10 + step))
            with torch.no_grad():
                torch._foreach_lerp_(ema, [p.detach() for p in params], 1 - decay)
                fam_loss.index_add_(0, fam, per)
                fam_count.index_add_(0, fam, torch.ones_like(per))
            step += 1
            if step % 25 == 0:
                lv = float(loss)
                smooth = lv if smooth is None else 0.9 * smooth + 0.1 * lv
                csv.write(f"{step},{time.time() - start:.1f},{lr:.3e},{lv:.5f},{smooth:.5f}\n")
                csv.flush()
            if step % 250 == 0:
                per_f = (fam_loss / fam_count.clamp(min=1)).tolist()
                worst = sorted(zip(per_f, FAMILIES), reverse=True)[:4]
                log(f"[train] step {step} t={time.time() - start:.0f}s lr={lr:.2e} loss={smooth:.4f} "
                    f"worst {[(f, round(v, 4)) for v, f in worst]}")
                fam_loss.zero_()
                fam_count.zero_()
            if time.time() - last_save > 90:
                self.save(out, ema)
                last_save = time.time()
        csv.close()
        log(f"[train] done: {step} steps in {time.time() - start:.0f}s "
            f"({step * self.args.batch / max(time.time() - start, 1e-9):.0f} samples/s)")
        self.steps = step
        # Keep whichever of the raw or EMA weights has the lower loss on a few fixed batches.
        raw = [p.detach().clone() for p in params]
        losses = {}
        for label, weights in (("raw", raw), ("ema", ema)):
            for p, w_ in zip(params, weights):
                p.data.copy_(w_)
            losses[label] = self.val_loss()
        best = "ema" if losses["ema"] <= losses["raw"] else "raw"
        for p, w_ in zip(params, ema if best == "ema" else raw):
            p.data.copy_(w_)
        log(f"[train] validation loss {losses}; keeping {best}")
        self.save(out, None)
        for m in ("clip", "t5", "transformer", "projector"):
            self.models[m].eval()
        return {"steps": step, "valLoss": losses, "kept": best}

    @torch.no_grad()
    def val_loss(self) -> float:
        state = (self.gen.get_state(), self.cpu_gen.get_state(), random.getstate())
        self.gen.manual_seed(99)
        self.cpu_gen.manual_seed(99)
        random.seed(99)
        for m in ("clip", "t5", "transformer", "projector"):
            self.models[m].eval()
        total = 0.0
        for _ in range(8):
            total += float(self.step_loss(self.args.batch)[0])
        self.gen.set_state(state[0])
        self.cpu_gen.set_state(state[1])
        random.setstate(state[2])
        return total / 8


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    length = ap.add_mutually_exclusive_group(required=True)
    length.add_argument("--steps", type=int, help="train this many steps (reproducible)")
    length.add_argument("--seconds", type=float, help="train until this much wall clock has passed (not reproducible)")
    ap.add_argument("--deterministic", action=argparse.BooleanOptionalAction, default=True,
                    help="torch.use_deterministic_algorithms (default on)")
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--lr", type=float, default=1.3e-3)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--ema", type=float, default=0.995)
    ap.add_argument("--word-drop", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--edits-json", type=Path, default=Path("models/kk-tiny/edits.json"),
                    help="reuse its calibration tables when present (else calibrate now)")
    ap.add_argument("--bundle-dir", type=Path, default=None, help="where to write the bundle (default <out>/kk-tiny)")
    ap.add_argument("--eval", choices=("full", "quick", "none"), default="full")
    ap.add_argument("--export", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--codec-steps", type=int, default=3000, help="codec training steps (64 images each)")
    ap.add_argument("--codec-lr", type=float, default=1e-3)
    ap.add_argument("--codec-weights", type=Path, default=None,
                    help="load the codec from a --codec-only run's codec.safetensors instead of training it")
    ap.add_argument("--codec-from-bundle", type=Path, default=None,
                    help="use this bundle's codec (VAE encoder and decoder ONNX files) as it ships, untrained")
    ap.add_argument("--codec-only", action="store_true",
                    help="train the codec, measure it on the eval photos, write <out>/codec.safetensors, stop")
    ap.add_argument("--init-from", type=Path, default=None,
                    help="start from a run's checkpoint (ckpt-*.safetensors); with --steps 0 this only evaluates and "
                         "exports a model trained in an earlier call (one GPU call is limited to 10 minutes)")
    ap.add_argument("--default-steps", type=int, default=None,
                    help="model.json's defaults.steps (default: a full eval's choice, else 2)")
    args = ap.parse_args(argv)
    t0 = time.time()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    if device.type == "cuda":  # cuDNN's fused attention backward fails on these shapes; use flash / efficient
        torch.backends.cuda.enable_cudnn_sdp(False)
    if args.deterministic:
        torch.use_deterministic_algorithms(True)
    import diffusers
    import transformers

    log(f"[env] torch {torch.__version__} diffusers {diffusers.__version__} transformers {transformers.__version__} "
        f"device {device} {torch.cuda.get_device_name() if device.type == 'cuda' else ''}")
    trainer = Trainer(args, device)
    if args.edits_json.exists():
        tables = {f: e["calibration"] for f, e in json.loads(args.edits_json.read_text())["families"].items()}
        log(f"[calibrate] tables from {args.edits_json}")
    else:
        tables = calibrate(device)
    trainer.smap = StrengthMap(tables, device)
    codec_facts = trainer.fit_codec()
    if args.init_from:
        trainer.load_checkpoint(args.init_from)
        codec_facts["scalingFactor"] = trainer.models["codec"].config.scaling_factor
    if args.codec_only:
        from safetensors.torch import save_file

        from .codec_report import codec_report

        codec_facts["report"] = codec_report(trainer.models["codec"], device, log)
        save_file({k: v.contiguous() for k, v in trainer.models["codec"].state_dict().items()},
                  str(args.out / "codec.safetensors"))
        (args.out / "codec.json").write_text(json.dumps(codec_facts, indent=1))
        log(f"[time] codec only: {time.time() - t0:.0f}s")
        return 0
    for k in ("clip", "t5", "transformer", "projector", "codec"):
        log(f"[model] {k}: {M.count_params(trainer.models[k]) / 1e6:.3f}M params")
    log(f"[time] setup {time.time() - t0:.0f}s")
    train_facts = trainer.train(args.steps, args.seconds, args.out)
    log(f"[time] after training {time.time() - t0:.0f}s")

    from .evaluate import run_eval
    from .export_bundle import write_bundle

    bundle_dir = args.bundle_dir or (args.out / "kk-tiny")
    results = {"train": train_facts, "codec": codec_facts, "steps": args.steps, "seconds": args.seconds,
               "batch": args.batch, "seed": args.seed, "deterministic": args.deterministic, "familyDraws": FAMILY_DRAWS,
               "command": " ".join(sys.argv), "defaultSteps": args.default_steps}
    if args.eval != "none":
        results["eval"] = run_eval(trainer, tables, bundle_dir, quick=args.eval == "quick",
                                   quick_steps=args.default_steps or 2)
    log(f"[time] after eval {time.time() - t0:.0f}s")
    if args.export:
        results["export"] = write_bundle(trainer, tables, results, bundle_dir, args.out)
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    log(f"[time] total {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
