"""Golden outputs of the PyTorch reference (diffusers' FluxKontextPipeline) for the tiny random bundle.

    python -m models.export.golden --seed 7 --bundle test/fixtures/tiny-random

Rebuilds the tiny components from the seed (same code and order as the exporter, so the same weights),
checks them against the bundle's ONNX files, runs the pipeline once for strengths [0, 0.5, 1] as one batch
sharing one initial noise, and writes little-endian .bin tensors + golden.json + PNGs under <bundle>/golden/.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from .bundle import specs_for, transformer_reference
from .check_inputs import Case, make_inputs
from .components import Components
from .reference_pipeline import modulation_for, pooled_embedding, run_pipeline
from .onnx_sampler import replay
from .selfcheck import compare
from .tiny import GOLDEN, build_calibrated_tiny

EXTRA_TEXTS = [
    "",
    "Turn the CAT into a Dog, please!!  Now.",
    " ".join(["make the old red car shiny and golden with bright light in a winter night scene"] * 8),
]


class GoldenWriter:
    def __init__(self, directory: Path):
        self.directory = directory
        self.tensors: dict[str, dict] = {}
        directory.mkdir(parents=True, exist_ok=True)

    def add(self, name: str, value, description: str, dtype: str | None = None) -> None:
        array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
        if dtype is None:
            dtype = "int64" if np.issubdtype(array.dtype, np.integer) else "float32"
        array = np.ascontiguousarray(array.astype("<i8" if dtype == "int64" else "<f4"))
        (self.directory / f"{name}.bin").write_bytes(array.tobytes())
        self.tensors[name] = {"file": f"{name}.bin", "dtype": dtype, "shape": list(array.shape),
                              "description": description}


def _numpy(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().to(torch.float64).numpy()
    return np.asarray(value, dtype=np.float64)


def golden_failures(golden: dict) -> list[str]:
    problems = []
    if golden["consistency"]["decodeVsPipelineMaxAbs"] > 1e-5:
        problems.append("manual decode differs from the pipeline's images")
    if golden["consistency"]["imageLatentsVsEncoderMaxAbs"] > 1e-5:
        problems.append("image latents differ from the VAE encoder mean")
    if not golden["onnxReplayMaxAbs"]["ok"]:
        problems.append("ONNX replay of the bundle differs from the PyTorch images by more than tolerance/4")
    return problems


def verify_bundle(components: Components, bundle: Path, seed: int) -> dict:
    """The rebuilt weights must be the bundle's: compare a few graphs at one shape."""
    specs = specs_for(components)
    case = Case("verify", 2, GOLDEN["height"], GOLDEN["width"], components.t5_max_length)
    refs = {
        "sliderProjector": lambda strength, pooled: components.projector(strength, pooled),
        "clipTextEncoder": lambda input_ids: components.clip(input_ids=input_ids).pooler_output,
        "vaeDecoder": lambda latent: components.vae.decode(latent, return_dict=False)[0],
    }
    refs["transformer"] = transformer_reference(components)
    from tokenizers import Tokenizer

    from .manifest import TOKENIZER_FILES

    results = {}
    for key, rebuilt in (("clip", components.clip_tokenizer), ("t5", components.t5_tokenizer)):
        saved = Tokenizer.from_file(str(bundle / TOKENIZER_FILES[key]))
        results[f"tokenizer-{key}"] = {"ok": saved.to_str() == rebuilt.to_str()}
    for name, ref in refs.items():
        inputs = make_inputs(name, case, components, np.random.default_rng(seed + 7))
        results[name] = compare(bundle / specs[name]["file"], ref, inputs, specs[name]["outputs"][0]["name"], 1e-3)
    return results


def write_golden(components: Components, pipe, inputs: dict, out: Path, seed: int, bundle: Path,
                 log=print) -> dict:
    w = GoldenWriter(out)
    image = inputs["image"]
    image.save(out / "source.png")
    from PIL import Image

    image = Image.open(out / "source.png").convert("RGB")  # what a consumer reads back
    width, height = image.size
    f = components.vae_scale_factor
    n_tokens = (height // f // 2) * (width // f // 2)
    strengths = inputs["strengths"]

    w.add("noise_unpacked", inputs["noise_unpacked"], "initial noise [1, C, H/f, W/f], standard normal")
    w.add("noise_packed", inputs["noise_packed"], "the same noise packed 2x2 -> [1, N, 4C]; every batch row starts from it")
    tokenization = []
    for index, text in enumerate([inputs["instruction"], *EXTRA_TEXTS]):
        clip_ids = pipe.tokenizer(text, padding="max_length", max_length=components.clip_max_length,
                                  truncation=True, return_tensors="pt").input_ids
        t5_ids = pipe.tokenizer_2(text, padding="max_length", max_length=components.t5_max_length,
                                  truncation=True, return_tensors="pt").input_ids
        name = "instruction" if index == 0 else f"text{index}"
        w.add(f"clip_input_ids_{name}", clip_ids, f"CLIP token ids [1, {components.clip_max_length}] of {text[:40]!r}")
        w.add(f"t5_input_ids_{name}", t5_ids, f"T5 token ids [1, {components.t5_max_length}] of {text[:40]!r}")
        tokenization.append({"text": text, "clip": clip_ids[0].tolist(), "t5": t5_ids[0].tolist(),
                             "clipFile": f"clip_input_ids_{name}.bin", "t5File": f"t5_input_ids_{name}.bin"})

    with torch.no_grad():
        pooled = pooled_embedding(pipe, inputs["instruction"])
        t5_hidden = pipe._get_t5_prompt_embeds(prompt=[inputs["instruction"]],
                                               max_sequence_length=components.t5_max_length)
        modulation = modulation_for(components, pooled, strengths)
        pixels = pipe.image_processor.preprocess(image, height, width)
        latent_mean = pipe.vae.encode(pixels).latent_dist.mode()
    w.add("pooled", pooled, "CLIP pooled output [1, pooledDim] for the instruction")
    w.add("t5_hidden", t5_hidden, "T5 last_hidden_state [1, t5 maxLength, jointDim] for the instruction")
    w.add("strengths", torch.tensor(strengths), "edit strengths, one per batch row")
    w.add("modulation", modulation, "slider projector output [batch, 2*innerDim] = [delta_scale, delta_shift]")
    w.add("source_pixels", pixels, "source.png as the VAE input [1, 3, H, W] in [-1, 1] (x/255*2-1)")
    w.add("image_latent_mean", latent_mean, "VAE encoder latent mean [1, C, H/f, W/f], unscaled")

    captured: dict = {}

    def hook(module, args, kwargs, output):
        if "hidden_states" not in captured:
            captured.update({k: v.detach().clone() for k, v in kwargs.items() if isinstance(v, torch.Tensor)})
            captured["output"] = output[0].detach().clone()

    handle = pipe.transformer.register_forward_hook(hook, with_kwargs=True)
    run_args = {k: inputs[k] for k in ("instruction", "strengths", "noise_packed", "steps", "guidance")}
    try:
        final = run_pipeline(pipe, components, image=image, output_type="latent", **run_args)
    finally:
        handle.remove()
    images = run_pipeline(pipe, components, image=image, output_type="np", **run_args)

    scheduler = pipe.scheduler
    w.add("sigmas", scheduler.sigmas, "scheduler sigmas after dynamic shifting, plus the terminal 0 [steps+1]")
    w.add("timesteps", scheduler.timesteps, "scheduler timesteps = sigmas*1000 [steps]")
    w.add("img_ids", captured["img_ids"], "transformer img_ids [2N, 3]: noisy grid (first coord 0) then context (1)")
    w.add("txt_ids", captured["txt_ids"], "transformer txt_ids [t5 maxLength, 3], zeros")
    w.add("step1_hidden_states", captured["hidden_states"], "transformer input at step 1 [batch, 2N, 4C]: noise then image latents")
    w.add("step1_timestep", captured["timestep"], "transformer timestep input at step 1 (sigma) [batch]")
    w.add("step1_guidance", captured["guidance"], "transformer guidance input [batch]")
    image_latents = captured["hidden_states"][0:1, n_tokens:]
    w.add("image_latents_packed", image_latents, "(latent_mean - shift) * scale, packed [1, N, 4C]")
    w.add("velocity_step1", captured["output"][:, :n_tokens], "transformer output at step 1, first N tokens [batch, N, 4C]")
    w.add("final_latents_packed", final, "packed latents after the last step [batch, N, 4C]")

    with torch.no_grad():
        unpacked = pipe._unpack_latents(final, height, width, pipe.vae_scale_factor)
        unscaled = unpacked / pipe.vae.config.scaling_factor + pipe.vae.config.shift_factor
        decoded = pipe.vae.decode(unscaled, return_dict=False)[0]
    w.add("decoded", decoded, "VAE decoder output [batch, 3, H, W], about [-1, 1], not clamped")
    w.add("images", images, "pipeline output (decoded/2+0.5 clamped to [0, 1]) [batch, H, W, 3] float32")
    for row in range(len(strengths)):
        Image.fromarray((images[row] * 255).round().astype(np.uint8)).save(out / f"output_{row}.png")

    postprocessed = (decoded / 2 + 0.5).clamp(0, 1).permute(0, 2, 3, 1).numpy()
    packed_mean = (latent_mean - pipe.vae.config.shift_factor) * pipe.vae.config.scaling_factor
    from .reference_pipeline import pack

    consistency = {
        "decodeVsPipelineMaxAbs": float(np.abs(postprocessed - images).max()),
        "imageLatentsVsEncoderMaxAbs": float((pack(packed_mean) - image_latents).abs().max()),
        "strength0vs1ImageMaxAbs": float(np.abs(images[0] - images[-1]).max()),
    }
    log(f"  golden consistency: {consistency}")
    reference = {"pooled": pooled, "t5_hidden": t5_hidden, "modulation": modulation,
                 "image_latents_packed": image_latents, "sigmas": scheduler.sigmas, "timesteps": scheduler.timesteps,
                 "velocity_step1": captured["output"][:, :n_tokens], "final_latents_packed": final,
                 "decoded": decoded, "images": images}
    try:
        replayed = replay(bundle, out / "source.png", inputs["instruction"], strengths,
                          inputs["noise_packed"].numpy(), inputs["steps"], inputs["guidance"])
        onnx_replay: dict = {name: float(np.abs(np.asarray(replayed[name], np.float64) - _numpy(value)).max())
                             for name, value in reference.items()}
        onnx_replay["ok"] = onnx_replay["images"] <= GOLDEN["tolerance"] / 4
    except Exception as error:  # noqa: BLE001 - recorded; golden.json is still written
        onnx_replay = {"ok": False, "error": f"{type(error).__name__}: {str(error)[:1000]}"}
    log(f"  ONNX replay vs PyTorch (max abs): {onnx_replay}")
    from diffusers.pipelines.flux.pipeline_flux_kontext import calculate_shift

    s = scheduler.config
    golden = {
        "description": "PyTorch reference (diffusers FluxKontextPipeline + slider modulation) on the tiny bundle",
        "seed": seed,
        "instruction": inputs["instruction"],
        "strengths": strengths,
        "steps": inputs["steps"],
        "guidance": inputs["guidance"],
        "height": height,
        "width": width,
        "sourceImage": "source.png",
        "outputImages": [f"output_{row}.png" for row in range(len(strengths))],
        "noiseLayout": "noise_unpacked is [1, C, H/f, W/f] from torch.randn; noise_packed = pack2x2(noise_unpacked) "
                       "[1, N, 4C] (view [1,C,h/2,2,w/2,2] -> permute 0,2,4,1,3,5 -> reshape); every batch row "
                       "starts from noise_packed",
        "imageValueRange": "images.bin and PNGs are [0, 1] (PNG = round(x*255)); decoded.bin is the raw VAE "
                           "output, about [-1, 1], unclamped",
        "mu": calculate_shift(n_tokens, s.base_image_seq_len, s.max_image_seq_len, s.base_shift, s.max_shift),
        "noisyTokens": n_tokens,
        "tolerance": {"imageMaxAbs": GOLDEN["tolerance"], "note": "slider effects below are >= 100x this"},
        "sliderEffect": {k: v for k, v in components.meta.get("sliderEffect", {}).items() if k != "history"},
        "consistency": consistency,
        "onnxReplayMaxAbs": onnx_replay,
        "tokenization": tokenization,
        "tensors": w.tensors,
    }
    (out / "golden.json").write_text(json.dumps(golden, indent=2) + "\n")
    return golden


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.export.golden", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, required=True, help="seed the tiny bundle was exported with")
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--out", type=Path, help="default: <bundle>/golden")
    args = parser.parse_args(argv)
    torch.set_grad_enabled(False)
    print(f"[golden] rebuilding tiny components (seed {args.seed})", flush=True)
    components, pipe, inputs = build_calibrated_tiny(args.seed)
    verified = verify_bundle(components, args.bundle, args.seed)
    print(f"[golden] bundle check: {verified}", flush=True)
    if not all(v["ok"] for v in verified.values()):
        print("[golden] FAIL: the rebuilt weights do not match the bundle", flush=True)
        return 1
    golden = write_golden(components, pipe, inputs, args.out or args.bundle / "golden", args.seed, args.bundle)
    problems = golden_failures(golden)
    print(f"[golden] wrote {len(golden['tensors'])} tensors; {problems or 'ok'}", flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
