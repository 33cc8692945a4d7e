"""kosmograph-fixtures-controlnet: regenerate test/fixtures/sd15-extra (ControlNet + LoRA on the tiny SD1.5).

    kosmograph-fixtures-controlnet --out test/fixtures/sd15-extra

The same tiny pipeline as test/fixtures/sd15 (tiny_pipeline.py, the same seeds: identical text encoder,
U-Net and VAE weights) exported by kosmograph-export with ControlNet residual inputs, a tiny random
ControlNet, a control image, two LoRA files and PyTorch goldens. Built in a sibling temp folder and
swapped in at the end; two runs on one machine give identical bytes (SHA256SUMS).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import shutil
import sys
import tempfile
import time
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

import torch
from PIL import Image, ImageDraw
from safetensors.torch import load_file, save_file

MAX_TOTAL_BYTES = 15 * 1000 * 1000
CONTROLNET_SEED = 7
CONDITIONING_EMBEDDING_OUT_CHANNELS = (8, 8, 16, 16)
READY = "sd15-controlnet-ready"
CONTROLNET = "controlnet-canny"
CONTROL_PNG = "control.png"
GOLDEN = "golden"
SCHEDULER_KEY = "dpmpp_2m"
PINNED = (
    "torch diffusers transformers optimum onnx onnxruntime open_clip_torch numpy safetensors "
    "huggingface_hub accelerate peft pillow"
).split()

# name -> (controlnet_conditioning_scale, control_guidance_start, control_guidance_end)
CONTROLNET_GOLDENS = {
    "cn_scale1": (1.0, 0.0, 1.0),
    "cn_scale05": (0.5, 0.0, 1.0),
    "cn_end05": (1.0, 0.0, 0.5),
}
LORA_SCALES = {"05": 0.5, "1": 1.0}
STEP_SCALE = 0.5  # cn_step.safetensors: one ControlNet + U-Net evaluation at this conditioning_scale


def make_controlnet(unet):
    """ControlNetModel.from_unet(tiny U-Net) with a small conditioning embedding, then every weight drawn again
    from seed CONTROLNET_SEED: each submodule's reset_parameters() in named_modules() order (torch's default
    init: convs and linears kaiming-uniform, norms 1 / 0), so the zero convs are not zero and it is not a no-op."""
    from diffusers import ControlNetModel

    torch.manual_seed(CONTROLNET_SEED)
    cn = ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=CONDITIONING_EMBEDDING_OUT_CHANNELS)
    torch.manual_seed(CONTROLNET_SEED)
    for _, m in cn.named_modules():
        if m is not cn and hasattr(m, "reset_parameters"):
            m.reset_parameters()
    return cn.eval()


def control_image() -> Image.Image:
    """A 64 x 64 canny-like edge map: 1-px white lines on black (PIL draws without anti-aliasing), RGB."""
    img = Image.new("RGB", (64, 64), (0, 0, 0))
    d = ImageDraw.Draw(img)
    white = (255, 255, 255)
    d.ellipse((8, 8, 34, 34), outline=white, width=1)
    d.rectangle((38, 10, 58, 28), outline=white, width=1)
    d.polygon([(10, 58), (28, 38), (46, 58)], outline=white)
    d.line((0, 36, 63, 36), fill=white, width=1)
    d.line((50, 34, 60, 60), fill=white, width=1)
    d.arc((30, 40, 62, 70), start=180, end=300, fill=white, width=1)
    return img


def finite_json(obj):
    """Non-finite floats (diffusers' lambda_min_clipped = -inf) as the strings "Infinity" / "-Infinity" / "NaN"."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return "NaN" if math.isnan(obj) else ("Infinity" if obj > 0 else "-Infinity")
    if isinstance(obj, dict):
        return {str(k): finite_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_json(v) for v in obj]
    return obj


def dump_json(obj, path: Path) -> None:
    from .goldens import to_json

    json.dumps(finite_json(obj), allow_nan=False)  # raises on anything not valid JSON
    path.write_text(to_json(finite_json(obj)) + "\n", encoding="utf-8")


def controlnet_keep(steps: int, start: float, end: float) -> list[float]:
    """StableDiffusionControlNetPipeline's per-step factor on controlnet_conditioning_scale."""
    return [1.0 - float(i / steps < start or (i + 1) / steps > end) for i in range(steps)]


def save_diffusers_folder(pipe, dst: Path) -> None:
    """pipe.save_pretrained, with SD1.5's tokenizer/ and scheduler/ files verbatim (as the real folder has them).
    Saves a copy: diffusers' save_config writes `_diffusers_version` into the live config."""
    import copy

    from .exporters import finish_layout

    copy.deepcopy(pipe).save_pretrained(str(dst), safe_serialization=True)
    finish_layout(dst)


def dpm(config):
    from diffusers import DPMSolverMultistepScheduler

    return DPMSolverMultistepScheduler.from_config(config)


def controlnet_pipeline(pipe, controlnet):
    from diffusers import StableDiffusionControlNetPipeline

    cp = StableDiffusionControlNetPipeline(
        vae=pipe.vae,
        text_encoder=pipe.text_encoder,
        tokenizer=pipe.tokenizer,
        unet=pipe.unet,
        controlnet=controlnet,
        scheduler=dpm(pipe.scheduler.config),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    cp.set_progress_bar_config(disable=True)
    return cp


def run_controlnet(cpipe, image: Image.Image, noise: torch.Tensor, scale: float, start: float, end: float, output_type="latent"):
    from .goldens import GUIDANCE, SIZE, STEPS
    from .prompts import NEGATIVE_PROMPT, PROMPT

    cpipe.scheduler = dpm(cpipe.scheduler.config)
    return cpipe(
        prompt=PROMPT,
        negative_prompt=NEGATIVE_PROMPT,
        image=image,
        num_inference_steps=STEPS,
        guidance_scale=GUIDANCE,
        height=SIZE,
        width=SIZE,
        latents=noise.clone(),
        output_type=output_type,
        controlnet_conditioning_scale=scale,
        control_guidance_start=start,
        control_guidance_end=end,
    ).images


def lora_pipeline(make_pipeline, lora_dir: Path, weight_name: str, scale: float):
    """A fresh tiny pipeline with `weight_name` loaded by diffusers' load_lora_weights and fused at `scale`."""
    pipe = make_pipeline()
    pipe.load_lora_weights(str(lora_dir), weight_name=weight_name)
    pipe.fuse_lora(lora_scale=scale)
    pipe.scheduler = dpm(pipe.scheduler.config)
    return pipe


def decode_png(pipe, latents: torch.Tensor, path: Path) -> None:
    from .goldens import save_png

    image = pipe.vae.decode(latents / pipe.vae.config.scaling_factor, return_dict=False)[0]
    save_png(pipe.image_processor.postprocess(image, output_type="pil", do_denormalize=[True])[0], path)


def read_noise(sd15_golden: Path) -> torch.Tensor:
    t = load_file(str(sd15_golden / "noise.latent"))
    assert list(t) == ["latent_tensor"], list(t)
    return t["latent_tensor"]


@torch.no_grad()
def cn_step(pipe, controlnet, image: Image.Image, noise: torch.Tensor, path: Path) -> dict:
    """One ControlNet + U-Net evaluation as the pipeline's first step does it, under the ONNX names."""
    from .export import residual_names
    from .goldens import SIZE
    from .prompts import NEGATIVE_PROMPT, PROMPT

    sched = dpm(pipe.scheduler.config)
    sched.set_timesteps(10)
    t = sched.timesteps[0]
    ids = [pipe.tokenizer(p, padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
           for p in (NEGATIVE_PROMPT, PROMPT)]
    ehs = torch.cat([pipe.text_encoder(i)[0] for i in ids])
    from diffusers.image_processor import VaeImageProcessor

    proc = VaeImageProcessor(vae_scale_factor=pipe.vae_scale_factor, do_convert_rgb=True, do_normalize=False)
    cond = proc.preprocess(image, height=SIZE, width=SIZE).to(torch.float32)
    cond = torch.cat([cond] * 2)
    sample = torch.cat([noise * sched.init_noise_sigma] * 2)
    ts = torch.tensor([float(t)] * 2, dtype=torch.float32)
    down, mid = controlnet(sample, ts, ehs, cond, conditioning_scale=STEP_SCALE, return_dict=False)
    out = pipe.unet(sample, ts, ehs, down_block_additional_residuals=down, mid_block_additional_residual=mid).sample
    names = residual_names(len(down))
    tensors = {
        "sample": sample, "timestep": ts, "encoder_hidden_states": ehs, "controlnet_cond": cond,
        "conditioning_scale": torch.tensor(STEP_SCALE, dtype=torch.float32),
        **{n: r for n, r in zip(names, (*down, mid), strict=True)},
        "out_sample": out,
    }
    save_file({k: v.contiguous().to(torch.float32) for k, v in tensors.items()}, str(path))
    return {
        "file": path.name,
        "what": "one evaluation as StableDiffusionControlNetPipeline's first step makes it (cn_scale05's inputs): "
        "sample = cat([noise.latent * init_noise_sigma] * 2), timestep = the first DPM++ timestep as float32 [2], "
        "encoder_hidden_states = cat([text_encoder(negative ids), text_encoder(prompt ids)]), controlnet_cond = "
        "cat([control.png as float [0, 1], NCHW] * 2), conditioning_scale = 0.5 (0-d); the 13 residuals = "
        "controlnet(sample, timestep, encoder_hidden_states, controlnet_cond, conditioning_scale=0.5) (already "
        "scaled) under the ONNX names; out_sample = unet(sample, timestep, encoder_hidden_states, "
        "down_block_additional_residuals=..., mid_block_additional_residual=...).sample",
        "timestep": float(t),
        "tensors": {k: list(v.shape) for k, v in tensors.items()},
    }


def generate(out: Path, sd15: Path, log=print) -> dict:
    """Write the whole sd15-extra tree into `out` (must not exist). sd15 = test/fixtures/sd15 (noise.latent)."""
    from .determinism import deterministic
    from .export import build_controlnet, build_sd15, load_controlnet, load_sd15
    from .fixtures import _quiet, sha256sums, tree_bytes
    from .goldens import GUIDANCE, SIZE, STEPS, save_latent, save_png
    from .lora_files import KOHYA_ALPHA, KOHYA_FILE, PEFT_FILE, RANK, write_kohya_lora, write_peft_lora
    from .prompts import NEGATIVE_PROMPT, PROMPT
    from .tiny_pipeline import make_pipeline

    _quiet()
    deterministic()
    out.mkdir(parents=True)
    report: dict = {}
    t0 = time.perf_counter()
    noise = read_noise(sd15 / "golden")
    with tempfile.TemporaryDirectory(prefix="kosmograph-extra-") as scratch_s:
        scratch = Path(scratch_s)
        tok_dir = scratch / "tokenizer"
        mk = lambda: make_pipeline(tok_dir)  # noqa: E731
        pipe = mk()

        # 1. the tiny pipeline as a diffusers folder, exported as kosmograph-export sd15 does
        t = time.perf_counter()
        save_diffusers_folder(pipe, scratch / "diffusers")
        loaded = load_sd15(scratch / "diffusers")
        report[READY] = build_sd15(loaded, out / READY, fp16=False, source=scratch / "diffusers", log=lambda m: None)
        del loaded
        log(f"{READY}: exported and checked ({time.perf_counter() - t:.1f}s) {json.dumps(report[READY]['max_abs_diff'])}")

        # 2. the ControlNet, saved with save_pretrained and exported as kosmograph-export controlnet does
        t = time.perf_counter()
        cn = make_controlnet(pipe.unet)
        copy.deepcopy(cn).save_pretrained(str(scratch / "controlnet"), safe_serialization=True)
        report[CONTROLNET] = build_controlnet(load_controlnet(scratch / "controlnet"), out / CONTROLNET, log=lambda m: None)
        log(f"{CONTROLNET}: exported and checked ({time.perf_counter() - t:.1f}s) {json.dumps(report[CONTROLNET]['max_abs_diff'])}")

        # 3. control image and LoRAs
        save_png(control_image(), out / CONTROL_PNG)
        write_kohya_lora(mk, out)
        write_peft_lora(mk, out)

        # 4. goldens
        t = time.perf_counter()
        gold = out / GOLDEN
        gold.mkdir()
        image = Image.open(out / CONTROL_PNG)
        image.load()
        cpipe = controlnet_pipeline(pipe, cn)
        entries: dict = {}
        with torch.no_grad():
            for key, (scale, start, end) in CONTROLNET_GOLDENS.items():
                lat = run_controlnet(cpipe, image, noise, scale, start, end)
                save_latent(lat, gold / f"{key}.latent")
                decode_png(cpipe, lat, gold / f"{key}.png")
                entries[key] = {
                    "latent": f"{key}.latent",
                    "image": f"{key}.png",
                    "pipeline": "StableDiffusionControlNetPipeline",
                    "call": f"pipe(prompt=prompt, negative_prompt=negative_prompt, image=control.png (PIL RGB), "
                    f"num_inference_steps={STEPS}, guidance_scale={GUIDANCE}, height={SIZE}, width={SIZE}, "
                    f"latents=noise, output_type='latent', controlnet_conditioning_scale={scale}, "
                    f"control_guidance_start={start}, control_guidance_end={end}).images",
                    "controlnet_conditioning_scale": scale,
                    "control_guidance_start": start,
                    "control_guidance_end": end,
                    "controlnet_keep": controlnet_keep(STEPS, start, end),
                }
            entries["cn_step"] = cn_step(pipe, cn, image, noise, gold / "cn_step.safetensors")
            for fname, tag, fmt in ((KOHYA_FILE, "kohya", "kohya"), (PEFT_FILE, "peft", "diffusers/PEFT")):
                for skey, s in LORA_SCALES.items():
                    key = f"lora_{tag}_{skey}"
                    lp = lora_pipeline(mk, out, fname, s)
                    lat = lp(prompt=PROMPT, negative_prompt=NEGATIVE_PROMPT, num_inference_steps=STEPS,
                             guidance_scale=GUIDANCE, height=SIZE, width=SIZE, latents=noise.clone(),
                             output_type="latent").images
                    save_latent(lat, gold / f"{key}.latent")
                    decode_png(lp, lat, gold / f"{key}.png")
                    entries[key] = {
                        "latent": f"{key}.latent",
                        "image": f"{key}.png",
                        "pipeline": "StableDiffusionPipeline",
                        "lora": fname,
                        "lora_format": fmt,
                        "lora_scale": s,
                        "call": f"pipe = <fresh tiny pipeline>; pipe.load_lora_weights('<folder>', weight_name='{fname}'); "
                        f"pipe.fuse_lora(lora_scale={s}); pipe.scheduler = DPMSolverMultistepScheduler.from_config("
                        f"pipe.scheduler.config); pipe(prompt=prompt, negative_prompt=negative_prompt, "
                        f"num_inference_steps={STEPS}, guidance_scale={GUIDANCE}, height={SIZE}, width={SIZE}, "
                        "latents=noise, output_type='latent').images",
                    }
                    del lp
        log(f"golden: written ({time.perf_counter() - t:.1f}s)")

    sched = dpm(pipe.scheduler.config)
    sched_cfg = {k: v for k, v in dict(sched.config).items() if k not in ("_use_default_values", "_ignore_files")}
    sched.set_timesteps(STEPS)
    from .lora_files import lora_modules

    lora_info = {}
    for fname, alpha, dtype in ((KOHYA_FILE, KOHYA_ALPHA, "float16"), (PEFT_FILE, None, "float32")):
        from safetensors import safe_open

        with safe_open(str(out / fname), "pt") as f:
            keys, meta = list(f.keys()), f.metadata()
        mods = lora_modules(out / fname)
        lora_info[fname] = {
            "rank": RANK,
            "alpha": alpha if alpha is not None else "none stored (diffusers loads alpha = rank)",
            "dtype": dtype,
            "tensors": len(keys),
            "modules": {c: sum(1 for m in mods.values() if m["component"] == c) for c in ("unet", "text_encoder")},
            "conv_modules": sum(1 for m in mods.values() if m["down"].ndim == 4),
            "first_keys": keys[:5],
            "metadata": meta,
        }
    meta = {
        "format": "kosmograph-sd15-extra-goldens/1",
        "made_with": "diffusers PyTorch pipelines (float32, CPU, 1 thread, torch.use_deterministic_algorithms(True)) "
        "on the tiny SD1.5 of test/fixtures/sd15 (same weights); see README.md",
        "prompt": PROMPT,
        "negative_prompt": NEGATIVE_PROMPT,
        "steps": STEPS,
        "guidance_scale": GUIDANCE,
        "height": SIZE,
        "width": SIZE,
        "noise": "test/fixtures/sd15/golden/noise.latent (latent_tensor [1, 4, 8, 8] float32), passed as latents",
        "scheduler": {
            "key": SCHEDULER_KEY,
            "call": "DPMSolverMultistepScheduler.from_config(pipe.scheduler.config) (pipe.scheduler = SD1.5's PNDM config)",
            "config": sched_cfg,
            "timesteps": [int(x) for x in sched.timesteps],
        },
        "control_image": {
            "file": CONTROL_PNG,
            "what": "64 x 64 RGB, white 1-px lines on black (PIL, no anti-aliasing); the pipeline feeds it as "
            "float [0, 1] NCHW (no normalisation), repeated for the two guidance halves",
        },
        "decode": "image = vae.decode(latents / 0.18215).sample; pipe.image_processor.postprocess(image, "
        "output_type='pil', do_denormalize=[True]) -> <key>.png (RGB, no metadata)",
        "latent_files": "like test/fixtures/sd15/golden: safetensors with one float32 tensor latent_tensor, no metadata",
        "goldens": entries,
        "loras": lora_info,
        "controlnet": {
            "make": "ControlNetModel.from_unet(unet, conditioning_embedding_out_channels="
            f"{list(CONDITIONING_EMBEDDING_OUT_CHANNELS)}), then torch.manual_seed({CONTROLNET_SEED}) and "
            "reset_parameters() of every submodule in named_modules() order (zero convs included)",
            "config": finite_json({k: v for k, v in dict(cn.config).items() if not k.startswith("_")}),
        },
        "exports": {
            READY: {"io": report[READY]["io"]},
            CONTROLNET: {"io": report[CONTROLNET]["io"]},
        },
        "versions": {"python": f"{sys.version_info.major}.{sys.version_info.minor}", **{p: version(p) for p in PINNED}},
    }
    dump_json(meta, out / GOLDEN / "golden.json")
    (out / "README.md").write_text(files("kosmograph_tools").joinpath("sd15_extra_README.md").read_text("utf-8"), "utf-8")
    sums = sha256sums(out)
    (out / "SHA256SUMS").write_text("".join(f"{h}  {p}\n" for p, h in sums.items()), encoding="utf-8")
    total = tree_bytes(out)
    if total > MAX_TOTAL_BYTES:
        raise SystemExit(f"fixture tree is {total} bytes, over the {MAX_TOTAL_BYTES} byte budget")
    log(f"total {total} bytes in {len(sums) + 1} files ({time.perf_counter() - t0:.1f}s)")
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="kosmograph-fixtures-controlnet", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("test/fixtures/sd15-extra"), help="fixture folder to (re)write")
    ap.add_argument("--sd15", type=Path, default=None, help="the test/fixtures/sd15 folder (default: next to --out)")
    ap.add_argument("--report", type=Path, help="also write the exports' I/O and max abs diffs as JSON here")
    args = ap.parse_args(argv)
    out: Path = args.out.resolve()
    sd15 = (args.sd15 or out.parent / "sd15").resolve()
    if not (sd15 / "golden" / "noise.latent").is_file():
        raise SystemExit(f"{sd15}/golden/noise.latent is missing (pass --sd15)")
    out.parent.mkdir(parents=True, exist_ok=True)
    log = lambda m: print(f"kosmograph-fixtures-controlnet: {m}", file=sys.stderr, flush=True)  # noqa: E731
    build = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        report = generate(build / "tree", sd15, log)
        if out.exists():
            os.replace(out, build / "old")
        os.replace(build / "tree", out)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    if args.report:
        args.report.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
