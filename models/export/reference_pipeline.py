"""PyTorch reference: diffusers' FluxKontextPipeline itself, with the slider modulation set per batch."""

from __future__ import annotations

import copy

import numpy as np
import torch
from PIL import Image

from .components import Components
from .slider import set_slider_modulation


def make_pipeline(components: Components):
    from diffusers import FluxKontextPipeline

    pipe = FluxKontextPipeline(
        scheduler=copy.deepcopy(components.scheduler),
        vae=components.vae,
        text_encoder=components.clip,
        tokenizer=components.clip_hf_tokenizer,
        text_encoder_2=components.t5,
        tokenizer_2=components.t5_hf_tokenizer,
        transformer=components.transformer,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def make_source_image(width: int, height: int) -> Image.Image:
    """Deterministic RGB test card: gradients, a disc and a bar, so every channel varies."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    red = 255 * x / max(width - 1, 1)
    green = 255 * y / max(height - 1, 1)
    blue = 128 + 100 * np.sin(x / 5.0) * np.cos(y / 7.0)
    disc = (x - width * 0.6) ** 2 + (y - height * 0.45) ** 2 < (min(width, height) * 0.25) ** 2
    red[disc], green[disc], blue[disc] = 240, 200, 30
    bar = (y > height * 0.75) & (x < width * 0.5)
    red[bar], green[bar], blue[bar] = 20, 30, 200
    pixels = np.stack([red, green, blue], axis=-1).clip(0, 255).round().astype(np.uint8)
    return Image.fromarray(pixels, mode="RGB")


def pack(latents: torch.Tensor) -> torch.Tensor:
    """[b, C, h, w] -> [b, (h/2)*(w/2), 4C] exactly like FluxKontextPipeline._pack_latents."""
    b, c, h, w = latents.shape
    return latents.view(b, c, h // 2, 2, w // 2, 2).permute(0, 2, 4, 1, 3, 5).reshape(b, (h // 2) * (w // 2), c * 4)


def make_noise(seed: int, channels: int, latent_height: int, latent_width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(unpacked [1, C, h, w], packed [1, h*w/4, 4C]) standard normal noise from torch.Generator(seed)."""
    generator = torch.Generator().manual_seed(seed)
    unpacked = torch.randn((1, channels, latent_height, latent_width), generator=generator, dtype=torch.float32)
    return unpacked, pack(unpacked)


def pooled_embedding(pipe, instruction: str) -> torch.Tensor:
    with torch.no_grad():
        return pipe._get_clip_prompt_embeds(prompt=[instruction], device=torch.device("cpu"))


def modulation_for(components: Components, pooled: torch.Tensor, strengths: list[float]) -> torch.Tensor:
    strength = torch.tensor(strengths, dtype=torch.float32)
    with torch.no_grad():
        return components.projector(strength, pooled.expand(len(strengths), -1))


def run_pipeline(
    pipe,
    components: Components,
    *,
    image: Image.Image,
    instruction: str,
    strengths: list[float],
    noise_packed: torch.Tensor,
    steps: int,
    guidance: float,
    slider: str = "on",
    output_type: str = "np",
):
    """One batch (one row per strength) sharing the same initial noise. slider: on | off | swapped."""
    width, height = image.size
    modulation = modulation_for(components, pooled_embedding(pipe, instruction), strengths)
    if slider == "off":
        modulation = None
    elif slider == "swapped":  # [delta_scale, delta_shift] -> [delta_shift, delta_scale]
        first, second = modulation.chunk(2, dim=-1)
        modulation = torch.cat([second, first], dim=-1)
    set_slider_modulation(components.transformer, modulation)
    try:
        with torch.no_grad():
            result = pipe(
                image=image,
                prompt=[instruction] * len(strengths),
                height=height,
                width=width,
                num_inference_steps=steps,
                guidance_scale=guidance,
                latents=noise_packed.expand(len(strengths), -1, -1).clone(),
                max_sequence_length=components.t5_max_length,
                max_area=height * width,  # with _auto_resize=False: keep the source's own size
                _auto_resize=False,
                output_type=output_type,
            )
    finally:
        set_slider_modulation(components.transformer, None)
    return result.images


def calibrate_slider_effect(pipe, components: Components, *, tolerance: float, log=print, **run_args) -> dict:
    """Scales weights until removing the slider, or swapping its halves, moves the decoded [0, 1] image by
    >= 100 x tolerance (max abs). First doubles the projector's last layer; once that stops helping
    (the context stream saturates), doubles the transformer's output projection (velocity) instead.
    Returns the numbers; raises if the target is never reached."""
    projector_last = [m for m in components.projector.projector if isinstance(m, torch.nn.Linear)][-1]
    velocity_out = components.transformer.proj_out
    target = 100 * tolerance
    history = []
    projector_scale, velocity_scale = 1.0, 1.0
    for _ in range(24):
        on = run_pipeline(pipe, components, slider="on", **run_args)
        off = run_pipeline(pipe, components, slider="off", **run_args)
        swapped = run_pipeline(pipe, components, slider="swapped", **run_args)
        numbers = {
            "projectorLastLayerScale": projector_scale,
            "transformerProjOutScale": velocity_scale,
            "removeSliderMaxAbs": float(np.abs(on - off).max()),
            "swapHalvesMaxAbs": float(np.abs(on - swapped).max()),
            "strength0vs1MaxAbs": float(np.abs(on[0] - on[-1]).max()),
            "imageMin": float(on.min()),
            "imageMax": float(on.max()),
        }
        history.append(numbers)
        log(f"    slider effect: {numbers}")
        effect = min(numbers["removeSliderMaxAbs"], numbers["swapHalvesMaxAbs"])
        if effect >= target:
            return {"target": target, "tolerance": tolerance, **numbers, "history": history}
        previous = min(history[-2]["removeSliderMaxAbs"], history[-2]["swapHalvesMaxAbs"]) if len(history) > 1 else 0
        saturated = velocity_scale > 1 or (len(history) > 1 and effect < 1.15 * previous)
        layer = velocity_out if saturated else projector_last
        if saturated:
            velocity_scale *= 2
        else:
            projector_scale *= 2
        with torch.no_grad():
            layer.weight.mul_(2.0)
            layer.bias.mul_(2.0)
        if velocity_scale > 64:
            break
    raise RuntimeError(f"slider effect never reached {target}: {history[-1]}")
