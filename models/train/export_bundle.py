"""Exports the trained kk-tiny with the exporter (models/export), stores the big weights as fp16 initializers
followed by a Cast to float32, writes edits.json, checks the ONNX pipeline against PyTorch and times it on
2 CPU threads, and packs the bundle for the trip back."""

from __future__ import annotations

import json
import tarfile
import time
from pathlib import Path

import numpy as np
import torch

from .edits import COLOURS, COLOUR_NAMES, FAMILIES, FAMILY_SPECS, TINT_K
from .phrasings import HELD_OUT, OPPOSITE, PHRASING_CHECKS, PHRASINGS, cue_words, split
from .schedule import inference_sigmas

# A fixed string rather than the date, so that re-running the training command reproduces model.json too.
MODEL_VERSION = "4.2.0"

SAMPLE_TEXTS = ["make it black and white", "", "Tint it RED, please!!", "änderung café 123",
                " ".join(["make the old photo warmer and brighter with more contrast"] * 4)]


def log(msg: str) -> None:
    print(msg, flush=True)


def edits_json(tables: dict) -> dict:
    fams = {}
    for f in FAMILIES:
        train, held = split(f)
        fams[f] = {"pMax": FAMILY_SPECS[f][0], "formula": FAMILY_SPECS[f][1], "calibration": tables[f],
                   "phrasings": {"train": train, "heldOut": held}}
    return {
        "format": "kk-tiny-edits", "version": 1, "doc": "models/train/FAMILIES.md",
        "strengthTable": {"entries": 33, "s": "i / 32"},
        "pGrid": "pMax * j / 128, j = 0..128 (calibration.dE is measured there)",
        "colours": {n: list(COLOURS[n]) for n in COLOUR_NAMES}, "tintK": TINT_K,
        "luma": [0.299, 0.587, 0.114], "heldOutPerFamily": HELD_OUT,
        "evalPhotos": ["chelsea", "coffee", "rocket", "flower"],
        "families": fams,
        # Held-out complaints, negations, two-edit and unsupported instructions (issue 14's phrasings target).
        "phrasingChecks": PHRASING_CHECKS,
    }


def store_fp16(path: Path, min_elements: int = 1024) -> dict:
    """Float32 initializers with >= min_elements values -> float16 initializer + Cast(to=float) node."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    casts, added, removed = [], [], []
    for init in list(graph.initializer):
        if init.data_type != TensorProto.FLOAT:
            continue
        arr = numpy_helper.to_array(init)
        if arr.size < min_elements or np.abs(arr).max() > 60000:
            continue
        half = numpy_helper.from_array(arr.astype(np.float16), init.name + "__fp16")
        added.append(half)
        removed.append(init)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT,
                                      name=init.name + "__cast"))
    for init in removed:
        graph.initializer.remove(init)
    graph.initializer.extend(added)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)
    try:
        onnx.checker.check_model(model)
    except Exception as error:  # noqa: BLE001 - contrib ops may be unknown to the checker; ORT loads it below
        print(f"[export] onnx checker on {path.name}: {str(error)[:200]}", flush=True)
    onnx.save(model, str(path))
    return {"converted": len(added), "bytes": path.stat().st_size}


def capabilities() -> dict:
    """model.json `capabilities`: what the bots show, and what the pipeline reads an instruction with
    (`closed`: only these edits, so an instruction with no cue word is refused; `oneEditPerInstruction`: the
    first edit named is applied and the user is told what was left out; `cues`, `opposite`)."""
    cues = cue_words(COLOUR_NAMES)
    edits = []
    for f in FAMILIES:
        ex = [p.replace("{colour}", "blue") for p in split(f)[0][:3]]
        edit = {"name": f, "examples": ex, "cues": cues[f]}
        if f in OPPOSITE:
            edit["opposite"] = OPPOSITE[f]
        edits.append(edit)
    return {
        "summary": ("Tiny model trained from scratch on 16 computed global photo edits (colour, tone, blur, "
                    "vignette, tint toward 8 named colours, hue); strength 0..1 is calibrated to grow the CIELAB "
                    "difference linearly. It cannot do semantic edits (objects, styles, text)."),
        "closed": True,
        "oneEditPerInstruction": True,
        "edits": edits,
    }


class OrtPipeline:
    """The bundle run with onnxruntime exactly as the TypeScript pipeline does (numpy)."""

    def __init__(self, bundle: Path, threads: int = 2):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.m = json.loads((bundle / "model.json").read_text())
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        self.s = {k: ort.InferenceSession(str(bundle / v["file"]), so, providers=["CPUExecutionProvider"])
                  for k, v in self.m["components"].items()}
        self.clip_tok = Tokenizer.from_file(str(bundle / self.m["tokenizers"]["clip"]["file"]))
        self.t5_tok = Tokenizer.from_file(str(bundle / self.m["tokenizers"]["t5"]["file"]))

    def run(self, src_u8: np.ndarray, text: str, strengths: list[float], noise: np.ndarray, steps: int,
            guidance: float) -> np.ndarray:
        return self.decode(self.latents(src_u8, text, strengths, noise, steps, guidance))

    def latents(self, src_u8: np.ndarray, text: str, strengths: list[float], noise: np.ndarray, steps: int,
                guidance: float) -> np.ndarray:
        """The denoised latents [b, C, h/8, w/8] for each strength, unscaled (what the VAE decoder takes)."""
        b = len(strengths)
        h, w, _ = src_u8.shape
        vae, sch = self.m["vae"], self.m["scheduler"]
        clip_ids = np.array([self.clip_tok.encode(text).ids], dtype=np.int64)
        t5_ids = np.array([self.t5_tok.encode(text).ids], dtype=np.int64)
        pooled = self.s["clipTextEncoder"].run(None, {"input_ids": clip_ids})[0]
        seq = self.s["t5TextEncoder"].run(None, {"input_ids": t5_ids})[0]
        pooled_b = np.repeat(pooled, b, 0)
        seq_b = np.repeat(seq, b, 0)
        mod = self.s["sliderProjector"].run(None, {"strength": np.array(strengths, np.float32), "pooled": pooled_b})[0]
        sample = (src_u8.astype(np.float32) / 127.5 - 1).transpose(2, 0, 1)[None]
        lat = self.s["vaeEncoder"].run(None, {"sample": sample})[0]
        lat = (lat - vae["shiftFactor"]) * vae["scalingFactor"]
        c, lh, lw = lat.shape[1:]
        ctx = lat.reshape(1, c, lh // 2, 2, lw // 2, 2).transpose(0, 2, 4, 1, 3, 5).reshape(1, -1, c * 4)
        n = ctx.shape[1]
        gh, gw = lh // 2, lw // 2
        ids = np.zeros((2, gh, gw, 3), np.float32)
        ids[1, ..., 0] = 1
        ids[..., 1] = np.arange(gh)[:, None]
        ids[..., 2] = np.arange(gw)[None, :]
        ids = ids.reshape(-1, 3)
        cfg = {"base_shift": sch["baseShift"], "max_shift": sch["maxShift"],
               "base_image_seq_len": sch["baseImageSeqLen"], "max_image_seq_len": sch["maxImageSeqLen"]}
        sig = inference_sigmas(steps, n, cfg)
        x = np.repeat(noise.astype(np.float32), b, 0)
        ctx_b = np.repeat(ctx, b, 0).astype(np.float32)
        for i in range(steps):
            out = self.s["transformer"].run(None, {
                "hidden_states": np.concatenate([x, ctx_b], 1), "encoder_hidden_states": seq_b,
                "pooled_projections": pooled_b, "timestep": np.full((b,), sig[i], np.float32), "img_ids": ids,
                "txt_ids": np.zeros((seq.shape[1], 3), np.float32), "guidance": np.full((b,), guidance, np.float32),
                "modulation": mod})[0]
            x = x + np.float32(sig[i + 1] - sig[i]) * out[:, :n]
        z = x.reshape(b, gh, gw, c, 2, 2).transpose(0, 3, 1, 4, 2, 5).reshape(b, c, lh, lw)
        return (z / vae["scalingFactor"] + vae["shiftFactor"]).astype(np.float32)

    def decode(self, z: np.ndarray) -> np.ndarray:
        """uint8 images [b, 3, h, w] from unscaled latents."""
        img = self.s["vaeDecoder"].run(None, {"latent": z})[0]
        return np.round((np.clip(img, -1, 1) + 1) * 127.5).astype(np.uint8)  # [b,3,h,w]


def write_bundle(trainer, tables: dict, results: dict, bundle: Path, out: Path) -> dict:
    from models.export.bundle import export_bundle
    from models.export.check_inputs import Case
    from models.export.manifest import build_manifest, file_list, write_json

    from . import model as M

    started = time.time()
    bundle.mkdir(parents=True, exist_ok=True)
    (bundle / "edits.json").write_text(json.dumps(edits_json(tables), indent=1) + "\n")
    # `--default-steps` wins; else what a full eval chose; else 2.
    steps = int(results.get("defaultSteps") or results.get("eval", {}).get("chosenSteps", 2))
    meta = {"id": "kk-tiny", "version": MODEL_VERSION, "license": "Apache-2.0",
            # kk-tiny's edits are photometric (FAMILIES.md), so the pipeline carries them onto the
            # full-size source with the guided transfer instead of resizing the 256^2 result.
            "defaults": {
                "steps": steps,
                "guidance": M.GUIDANCE,
                "maxArea": 65536,
                "sweepFrames": 8,
                "fullResolution": "guided-transfer",
            },
            "capabilities": capabilities()}
    for k in ("clip", "t5", "transformer", "projector", "codec"):
        trainer.models[k].to("cpu").float().eval()
    c = M.components_for_export(trainer.models, meta)
    cases = [Case("export", 2, 256, 256, M.T5_MAX_LENGTH), Case("second", 1, 208, 288, M.T5_MAX_LENGTH)]
    report = {}
    for attention in ("multi-head", "decomposed"):
        # record_precision=False: kk-tiny computes in fp32 throughout (fp16 is only its storage, below), and
        # leaving the per-component field out keeps kk-tiny 3.0.0's model.json reproducible byte for byte.
        report = export_bundle(c, bundle, cases, dtype="fp32", attention=attention, max_rel_error=1e-3, seed=7,
                               other_attention_dir=None, sample_texts=SAMPLE_TEXTS, record_precision=False,
                               log=log)
        report["attention"] = attention
        if report["ok"]:
            break
        log(f"[export] {attention} failed its checks; trying the other attention mode")
    conversions = {}
    for spec in json.loads((bundle / "model.json").read_text())["components"].values():
        conversions[spec["file"]] = store_fp16(bundle / spec["file"])
    log(f"[export] fp16 storage: {conversions}")
    manifest = json.loads((bundle / "model.json").read_text())
    manifest["dtype"] = "fp16"
    manifest["files"] = file_list(bundle, list(manifest["files"]))
    write_json(bundle / "model.json", manifest)
    total = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    log(f"[export] bundle {total / 1e6:.2f} MB, ok={report['ok']} in {time.time() - started:.0f}s")
    facts = {"ok": report["ok"], "attention": report.get("attention"), "bytes": total, "fp16": conversions,
             "components": {k: {"ok": v["ok"], "used": v["used"]} for k, v in report["components"].items()},
             "tokenizers": report["tokenizers"]}
    try:
        facts["ort"] = ort_check(trainer, bundle, steps)
    except Exception as error:  # noqa: BLE001 - reported; the bundle is still returned
        log(f"[export] ORT check failed: {type(error).__name__}: {error}")
        facts["ort"] = {"error": f"{type(error).__name__}: {error}"}
    pack(bundle, out)
    return facts


def ort_check(trainer, bundle: Path, steps: int) -> dict:
    """The ONNX pipeline vs the PyTorch eval sampler on one held-out photo and phrasing, plus CPU timings."""
    from PIL import Image

    from .evaluate import sample
    from .phrasings import render

    img_path = sorted((bundle / "eval-images").glob("*.jpg"))[0]
    src_u8 = np.asarray(Image.open(img_path).convert("RGB"))
    h, w, _ = src_u8.shape
    n = (h // 16) * (w // 16)
    noise = torch.randn(1, n, trainer.models["transformer"].config.in_channels, generator=torch.Generator().manual_seed(5))
    text = render(split("sepia")[1][0], None)
    strengths = [k / 7 for k in range(8)]
    pipe = OrtPipeline(bundle, threads=2)
    onnx_out = pipe.run(src_u8, text, strengths, noise.numpy(), steps, 2.5)
    dev = trainer.device
    for k in ("clip", "t5", "transformer", "projector", "codec"):
        trainer.models[k].to(dev)
    torch.backends.cuda.matmul.allow_tf32 = False
    src = torch.from_numpy(src_u8).permute(2, 0, 1).float().div(255).unsqueeze(0).to(dev)
    torch_out = sample(trainer, src, [text] * 8, torch.tensor(strengths, device=dev), noise.to(dev), steps).cpu()
    torch_u8 = (torch_out * 255).round().to(torch.uint8).numpy()
    diff = np.abs(onnx_out.astype(int) - torch_u8.astype(int))
    timings = {}
    for label, ss in (("single", [0.6]), ("sweep8", strengths)):
        pipe.run(src_u8, text, ss, noise.numpy(), steps, 2.5)  # warm-up
        t = time.time()
        pipe.run(src_u8, text, ss, noise.numpy(), steps, 2.5)
        timings[label] = round(time.time() - t, 3)
    res = {"maxAbsU8": int(diff.max()), "meanAbsU8": float(diff.mean()), "image": img_path.name,
           "size": [w, h], "steps": steps, "cpu2ThreadsSeconds": timings}
    log(f"[export] ORT vs torch: {res}")
    return res


def pack(bundle: Path, out: Path, part_bytes: int = 15 * 1024 * 1024) -> None:
    tar_path = out / "kk-tiny.tar"
    with tarfile.open(tar_path, "w") as tar:
        tar.add(bundle, arcname="kk-tiny")
    data = tar_path.read_bytes()
    if len(data) > part_bytes:
        tar_path.unlink()
        for i in range(0, len(data), part_bytes):
            (out / f"kk-tiny.tar.part{i // part_bytes}").write_bytes(data[i : i + part_bytes])
    log(f"[export] packed {len(data)} bytes")
