"""kk-tiny's "VAE": a small convolutional autoencoder grown from the PCA block codec.

kk-tiny 3 used a fixed linear codec: each 8x8 RGB block -> its first 48 principal components, decoded by the
transpose. Its dropped components come back as a faint 8/16-pixel block grid and a blur that the guided
transfer then carries to the photo's size (issue 14). This codec keeps the PCA path as its linear core and adds
two learned convolutional branches whose receptive fields cross block borders:

    z   = pca(x)  + enc(x)          enc: 3x3 and 4x4/stride-2 convolutions, 256 -> 32 px, last layer zero-init
    x'  = pca^T(z) + dec(z)         dec: 3x3 convolutions + pixel shuffle, 32 -> 256 px, last layer zero-init

so it starts as exactly the PCA codec and training only improves it. Keeping the linear core keeps the latent
space close to PCA's (a colour edit stays near-linear in it, which is what the 7 M-parameter transformer learns
easily) while the decoder learns to put back detail and remove block edges. Same interface as diffusers'
AutoencoderKL for the exporter: `encode(x).latent_dist.mode()`, `decode(z, return_dict=False)[0]`,
`config.latent_channels / block_out_channels / scaling_factor / shift_factor`.

Decoder cost at 256x256: about 1.0 GFLOP per frame (it runs once per sweep frame on the CPU); encoder about
0.9 GFLOP (once per edit).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import torch
import torch.nn.functional as F
from torch import nn

from .schedule import warmup_cosine

SCALE = 8


class _Dist:
    def __init__(self, mean: torch.Tensor):
        self.mean = mean

    def mode(self) -> torch.Tensor:
        return self.mean


class _Encoded:
    def __init__(self, mean: torch.Tensor):
        self.latent_dist = _Dist(mean)


def _zero(conv: nn.Conv2d) -> nn.Conv2d:
    nn.init.zeros_(conv.weight)
    nn.init.zeros_(conv.bias)
    return conv


class Encoder(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.pca = nn.Conv2d(3, channels, SCALE, stride=SCALE)
        self.branch = nn.Sequential(
            nn.Conv2d(3, 24, 3, padding=1), nn.SiLU(),
            nn.Conv2d(24, 48, 4, stride=2, padding=1), nn.SiLU(),   # 128
            nn.Conv2d(48, 96, 4, stride=2, padding=1), nn.SiLU(),   # 64
            nn.Conv2d(96, 96, 4, stride=2, padding=1), nn.SiLU(),   # 32
            _zero(nn.Conv2d(96, channels, 3, padding=1)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pca(x) + self.branch(x)


class Decoder(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.pca = nn.ConvTranspose2d(channels, 3, SCALE, stride=SCALE)
        self.branch = nn.Sequential(
            nn.Conv2d(channels, 96, 3, padding=1), nn.SiLU(),
            nn.Conv2d(96, 96, 3, padding=1), nn.SiLU(),
            nn.Conv2d(96, 4 * 48, 3, padding=1), nn.PixelShuffle(2), nn.SiLU(),   # 64
            nn.Conv2d(48, 4 * 16, 3, padding=1), nn.PixelShuffle(2), nn.SiLU(),   # 128
            nn.Conv2d(16, 4 * 8, 3, padding=1), nn.PixelShuffle(2), nn.SiLU(),    # 256
            _zero(nn.Conv2d(8, 3, 3, padding=1)),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.pca(z) + self.branch(z)


class ConvCodec(nn.Module):
    def __init__(self, channels: int = 48):
        super().__init__()
        self.encoder = Encoder(channels)
        self.decoder = Decoder(channels)
        # AutoencoderKL-like config read by the exporter (scale factor = 2 ** (len(block_out_channels) - 1)).
        self.config = SimpleNamespace(latent_channels=channels, block_out_channels=(1, 1, 1, 1),
                                      scaling_factor=1.0, shift_factor=0.0)

    @torch.no_grad()
    def fit_pca(self, images: torch.Tensor) -> dict:
        """The linear core: PCA of the 8x8 blocks of `images` [N, 3, H, W] in [-1, 1] (kk-tiny 3's codec)."""
        k = self.config.latent_channels
        x = images.double()
        mean_c = x.mean(dim=(0, 2, 3))
        blocks = F.unfold(x - mean_c.view(1, 3, 1, 1), SCALE, stride=SCALE)
        blocks = blocks.transpose(1, 2).reshape(-1, 3 * SCALE * SCALE)
        cov = blocks.T @ blocks / blocks.shape[0]
        evals, evecs = torch.linalg.eigh(cov)
        order = torch.argsort(evals, descending=True)
        evals, evecs = evals[order], evecs[:, order]
        basis = evecs[:, :k].T
        idx = basis.abs().argmax(dim=1)
        basis = basis * torch.sign(basis[torch.arange(k), idx]).unsqueeze(1)
        w = basis.reshape(k, 3, SCALE, SCALE).float()
        self.encoder.pca.weight.copy_(w)
        self.encoder.pca.bias.copy_(-(w * mean_c.float().view(1, 3, 1, 1)).sum(dim=(1, 2, 3)))
        self.decoder.pca.weight.copy_(w)
        self.decoder.pca.bias.copy_(mean_c.float())
        kept = evals[:k]
        self.config.scaling_factor = float(1.0 / math.sqrt(float(kept.mean())))
        return {"explained": float(kept.sum() / evals.sum()), "scalingFactor": self.config.scaling_factor}

    def encode(self, sample: torch.Tensor) -> _Encoded:
        return _Encoded(self.encoder(sample))

    def decode(self, latent: torch.Tensor, return_dict: bool = True):
        out = self.decoder(latent)
        return (out,) if not return_dict else SimpleNamespace(sample=out)


def is_lapped(decoder: Decoder) -> bool:
    return decoder.pca.kernel_size[0] == 2 * SCALE


def load_codec_state(codec: ConvCodec, state: dict[str, torch.Tensor], strict: bool = True):
    """`codec.load_state_dict(state)` for a block or a lapped decoder: the module is widened first when the
    state's decoder basis is 16x16 (kk-tiny 4.1 on), so any saved codec loads into a fresh `ConvCodec`."""
    weight = state.get("decoder.pca.weight")
    if weight is not None and weight.shape[-1] == 2 * SCALE and not is_lapped(codec.decoder):
        widen_to_lapped(codec.decoder)
    return codec.load_state_dict(state, strict=strict)


@torch.no_grad()
def widen_to_lapped(decoder: Decoder) -> None:
    """Replaces the decoder's block transform (8x8 kernel at stride 8: each latent pixel paints only its own
    block) by a lapped one: a 16x16 kernel at stride 8 (padding 4), so each latent pixel paints its block and
    half of each neighbour's and training can blend across block borders. The centre starts as the block
    basis and the rest as zeros, so the decoder's output is unchanged until it is trained."""
    block = decoder.pca
    lapped = nn.ConvTranspose2d(block.in_channels, block.out_channels, 2 * SCALE, stride=SCALE, padding=SCALE // 2)
    lapped = lapped.to(block.weight.device)
    lapped.weight.zero_()
    lapped.weight[:, :, SCALE // 2 : SCALE // 2 + SCALE, SCALE // 2 : SCALE // 2 + SCALE] = block.weight
    lapped.bias.copy_(block.bias)
    decoder.pca = lapped


def grid_energy(x: torch.Tensor) -> torch.Tensor:
    """Mean squared difference across 8-px block borders minus the same inside blocks, per image: > 0 when a
    block grid shows (used as a training penalty and a log figure)."""
    d = (x[..., :, 1:] - x[..., :, :-1]) ** 2
    cols = torch.arange(d.shape[-1], device=x.device)
    border = (cols % SCALE) == SCALE - 1
    return d[..., border].mean(dim=(1, 2, 3)) - d[..., ~border].mean(dim=(1, 2, 3))


def reconstruction(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The codec's reconstruction loss on [-1, 1] images: L1 + MSE + gradient L1 (so edges stay sharp)."""
    err = y - x
    gx = (y[..., :, 1:] - y[..., :, :-1]) - (x[..., :, 1:] - x[..., :, :-1])
    gy = (y[..., 1:, :] - y[..., :-1, :]) - (x[..., 1:, :] - x[..., :-1, :])
    return err.abs().mean() + 4 * (err**2).mean() + 0.5 * (gx.abs().mean() + gy.abs().mean())


def train_codec(codec: ConvCodec, batches, steps: int, lr: float, log, device) -> dict:
    """Trains the two branches (and fine-tunes the PCA core) on reconstruction: L1 + MSE + gradient L1, so
    edges stay sharp; plus a small pull of the latents toward the PCA core's, so the latent space keeps
    PCA's scale and structure. `batches()` yields images in [0, 1] (sources and edited targets)."""
    import time

    params = list(codec.parameters())
    opt = torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.99), weight_decay=0.0)
    codec.train()
    start = time.time()
    psnr_pca = None
    hist = []
    for step in range(steps):
        g_lr = warmup_cosine(lr, step, step / max(steps, 1), 100)
        for g in opt.param_groups:
            g["lr"] = g_lr
        x = batches() * 2 - 1
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
            lin = codec.encoder.pca(x)
            z = lin + codec.encoder.branch(x)
            y = codec.decoder(z)
        y = y.float()
        err = y - x
        loss = reconstruction(y, x) + 1e-3 * ((z.float() - lin.float()) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if step == 0:
            with torch.no_grad():
                psnr_pca = float(-10 * torch.log10(((codec.decoder.pca(lin.float()) - x) ** 2).mean() / 4))
        if (step + 1) % 100 == 0 or step == steps - 1:
            with torch.no_grad():
                p = float(-10 * torch.log10((err ** 2).mean() / 4))
                ge = float(grid_energy((y.clamp(-1, 1) + 1) / 2).mean() - grid_energy((x + 1) / 2).mean())
            hist.append({"step": step + 1, "psnr": round(p, 2), "gridExcess": ge})
            log(f"[codec] step {step + 1} t={time.time() - start:.0f}s lr={g_lr:.2e} loss={float(loss.detach()):.4f} "
                f"psnr {p:.2f} dB (pca {psnr_pca:.2f}) grid excess {ge:.2e}")
    codec.eval()
    return {"steps": steps, "lr": lr, "seconds": round(time.time() - start, 1), "psnrPcaStart": psnr_pca,
            "history": hist}


@torch.no_grad()
def latent_scale(codec: ConvCodec, images: torch.Tensor) -> float:
    """1 / RMS of the latents over `images` in [0, 1]: the scaling factor that gives unit-RMS latents."""
    z = codec.encoder(images * 2 - 1)
    return float(1.0 / z.float().pow(2).mean().sqrt())
