"""Reference outputs of the tiny pipeline: test/fixtures/sd15/golden/.

The PyTorch pipeline (float32, CPU) gives golden/*; optimum's ORTStableDiffusionPipeline running
the fp16/ layout (onnxruntime CPU) gives golden/fp16/*, the reference for that model's rounded weights.
"""

from __future__ import annotations

import json
import re
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw
from safetensors.torch import save_file

from .prompts import EMBEDDING_PROMPTS, NEGATIVE_PROMPT, PROMPT, all_prompts
from .tiny_pipeline import TEXT_ENCODER_CONFIG, UNET_CONFIG, VAE_CONFIG

STEPS = 10
GUIDANCE = 7.5
SIZE = 64
SEED = 42
SCHEDULE_STEPS = (1, 4, 10, 25, 50)
PINNED = (
    "torch diffusers transformers optimum onnx onnxruntime open_clip_torch numpy safetensors "
    "huggingface_hub accelerate pytest ftfy regex pillow"
).split()


def _schedulers():
    from diffusers import DDIMScheduler, DPMSolverMultistepScheduler, EulerDiscreteScheduler, PNDMScheduler

    return {
        "ddim": lambda c: DDIMScheduler.from_config(c),
        "pndm": lambda c: PNDMScheduler.from_config(c),
        "euler": lambda c: EulerDiscreteScheduler.from_config(c),
        "dpmpp_2m": lambda c: DPMSolverMultistepScheduler.from_config(c),
        "dpmpp_2m_karras": lambda c: DPMSolverMultistepScheduler.from_config(c, use_karras_sigmas=True),
    }


SCHEDULER_CALLS = {
    "ddim": "DDIMScheduler.from_config(pipe.scheduler.config)",
    "pndm": "PNDMScheduler.from_config(pipe.scheduler.config) (SD1.5's own scheduler)",
    "euler": "EulerDiscreteScheduler.from_config(pipe.scheduler.config)",
    "dpmpp_2m": "DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)",
    "dpmpp_2m_karras": "DPMSolverMultistepScheduler.from_config(pipe.scheduler.config, use_karras_sigmas=True)",
}


FP16_DIR = "fp16"  # golden/fp16/: the fp16 layout run by ORTStableDiffusionPipeline
ORT_LOAD = (
    "ORTStableDiffusionPipeline.from_pretrained(<layout folder>, provider='CPUExecutionProvider', "
    "session_options=<1 intra-op and 1 inter-op thread>)"
)


def to_json(obj, indent: int = 0) -> str:
    """Sorted keys, 2-space indent, but lists of scalars (ids, timesteps) on one line."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {to_json(v, indent + 1)}" for k, v in sorted(obj.items())]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in obj):
            return json.dumps(list(obj), ensure_ascii=False)
        return "[\n" + ",\n".join(inner + to_json(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return json.dumps(obj, ensure_ascii=False)


def dump_json(obj, path: Path) -> None:
    path.write_text(to_json(obj) + "\n", encoding="utf-8")


def save_png(img: Image.Image, path: Path) -> None:
    img = img.convert("RGB")
    img.info = {}
    img.save(path, format="PNG", optimize=False, compress_level=9)


def save_latent(t: torch.Tensor, path: Path) -> None:
    """ComfyUI's .latent: safetensors with one tensor `latent_tensor` (no metadata)."""
    save_file({"latent_tensor": t.detach().to(torch.float32).contiguous()}, str(path))


def noise_tensor() -> torch.Tensor:
    g = torch.Generator().manual_seed(SEED)
    return torch.randn((1, 4, SIZE // 8, SIZE // 8), generator=g, dtype=torch.float32)


def _floats(x) -> list[float]:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().to(torch.float64).numpy()
    return [float(v) for v in np.asarray(x, dtype=np.float64).reshape(-1)]


def scheduler_config(s) -> dict:
    cfg = {k: v for k, v in dict(s.config).items() if k not in ("_use_default_values", "_ignore_files")}
    return json.loads(json.dumps(cfg, default=list))


def schedule_of(s, steps: int) -> dict:
    s.set_timesteps(steps)
    rec = {"timesteps": _floats(s.timesteps), "init_noise_sigma": float(s.init_noise_sigma)}
    sig = getattr(s, "sigmas", None)
    if sig is not None:
        rec["sigmas"] = _floats(sig)
    return rec


def run_pipeline(pipe, key: str, noise: torch.Tensor, output_type: str):
    """One golden run: scheduler `key` made from pipe's own scheduler config (restored afterwards),
    the golden prompt / negative prompt / steps / guidance / size, latents = noise (as given)."""
    saved = pipe.scheduler
    pipe.scheduler = _schedulers()[key](saved.config)
    try:
        return pipe(
            prompt=PROMPT,
            negative_prompt=NEGATIVE_PROMPT,
            num_inference_steps=STEPS,
            guidance_scale=GUIDANCE,
            height=SIZE,
            width=SIZE,
            latents=noise.clone(),
            output_type=output_type,
        ).images
    finally:
        pipe.scheduler = saved


def ort_pipeline(layout_dir: Path):
    """optimum's ORTStableDiffusionPipeline on an optimum-layout folder (onnxruntime CPU, one thread)."""
    from optimum.onnxruntime import ORTStableDiffusionPipeline

    from .determinism import ort_session_options

    pipe = ORTStableDiffusionPipeline.from_pretrained(
        str(layout_dir),
        provider="CPUExecutionProvider",
        session_options=ort_session_options(),
        local_files_only=True,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


FP16_REFERENCE = {
    "what": "golden/fp16/<key>.latent and .png: the fp16/ layout (float16 ONNX) run by optimum's "
    "ORTStableDiffusionPipeline on onnxruntime's CPU provider. Its weights are the fp32 model's rounded to "
    "float16, so it cannot match golden/<key>.latent; this is its own reference. Same prompt, negative "
    "prompt, steps, guidance, size, noise and scheduler construction as the fp32 goldens.",
    "layout": "fp16",
    "load": ORT_LOAD.replace("<layout folder>", "test/fixtures/sd15/fp16"),
    "call": f"pipe.scheduler = <fp16.<key>.call>; pipe(prompt=prompt, negative_prompt=negative_prompt, "
    f"num_inference_steps={STEPS}, guidance_scale={GUIDANCE}, height={SIZE}, width={SIZE}, latents=noise, "
    "output_type='latent').images -> fp16/<key>.latent (converted to float32); the same call with "
    "output_type='pil' -> fp16/<key>.png (the pipeline's own decode: vae_decoder(latents / scaling_factor) "
    "in float16, then image_processor.postprocess)",
    "noise": "noise.latent's float32 tensor, passed as is: the pipeline does not need it in the U-Net's dtype. "
    "prepare_latents only multiplies it by init_noise_sigma (so the loop starts in float32), and optimum's "
    "ORTPipelinePart.prepare_onnx_inputs casts every model input to the session's type (float16) at each call. "
    "(Had the pipeline drawn the noise itself, randn_tensor would make it float16: prompt_embeds.dtype.)",
    "dtypes": "text embeddings, U-Net output and the guidance combination are float16 torch tensors on CPU. "
    "DDIM's and PNDM's step results are float32 (type promotion with the float32 sample; PNDM's ets and "
    "their combination are float16); DPM++ computes in float32 and casts prev_sample to its float32 "
    "converted model output; Euler casts prev_sample to the model output's dtype, so after its first step "
    "the Euler latents are float16. `latent_dtype` is the dtype the pipeline returned; every .latent is "
    "float32 (the float16 values converted exactly).",
    "timesteps": "optimum's U-Net `timestep` input is int64 [steps]. ORTModelUnet.forward unsqueezes the "
    "pipeline's 0-d timestep to [1] (the graph broadcasts it over the batch of 2) and prepare_onnx_inputs "
    "casts it with numpy astype(int64), i.e. float timesteps are truncated toward zero, not rounded and not "
    "rejected. Euler's timesteps are float32 (999.0, 888.0, ...) but whole numbers, and DPM++ (Karras too) "
    "has int64 timesteps, so nothing is lost for these five schedules. The schedulers' own step() calls get "
    "the timesteps unchanged.",
    "max_abs_diff_vs_fp32": "max |fp16/<key>.latent - <key>.latent| (the PyTorch float32 golden)",
}


@torch.no_grad()
def write_ort_goldens(layout_dir: Path, out: Path, noise: torch.Tensor, fp32_latents: dict[str, torch.Tensor]) -> dict:
    """golden/fp16/<key>.latent and .png from ORTStableDiffusionPipeline on layout_dir; returns the
    pipeline.json `fp16` object (key -> {latent, image, call, latent_dtype, max_abs_diff_vs_fp32})."""
    pipe = ort_pipeline(layout_dir)
    out.mkdir(parents=True, exist_ok=True)
    entries = {}
    for key in SCHEDULER_CALLS:
        latents = run_pipeline(pipe, key, noise, "latent")
        assert latents.shape == noise.shape and torch.isfinite(latents).all(), key
        save_latent(latents, out / f"{key}.latent")
        save_png(run_pipeline(pipe, key, noise, "pil")[0], out / f"{key}.png")
        entries[key] = {
            "call": SCHEDULER_CALLS[key],
            "latent": f"{FP16_DIR}/{key}.latent",
            "image": f"{FP16_DIR}/{key}.png",
            "latent_dtype": str(latents.dtype).removeprefix("torch."),
            "max_abs_diff_vs_fp32": float((latents.to(torch.float32) - fp32_latents[key]).abs().max()),
        }
    return entries


def vae_input_image() -> Image.Image:
    """A fixed 64x64 RGB test card: gradients plus shapes (PIL draws without anti-aliasing)."""
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    arr = np.stack([x * 4, y * 4, 255 - (x + y) * 2], axis=-1).clip(0, 255).astype(np.uint8)
    img = Image.fromarray(arr, "RGB")
    d = ImageDraw.Draw(img)
    d.ellipse((6, 6, 30, 30), fill=(255, 255, 255), outline=(0, 0, 0))
    d.rectangle((36, 8, 58, 26), fill=(220, 20, 20))
    d.polygon([(10, 58), (30, 36), (50, 58)], fill=(20, 40, 230))
    d.line((0, 33, 63, 33), fill=(0, 0, 0), width=2)
    d.rectangle((52, 44, 60, 60), fill=(0, 200, 0))
    return img


def whitespace_clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def token_goldens(pipe, tokenizer_dir: Path) -> dict:
    import ftfy
    from transformers import CLIPTokenizerFast

    tok = pipe.tokenizer
    fast = CLIPTokenizerFast.from_pretrained(str(tokenizer_dir), local_files_only=True)
    cases = []
    for p in all_prompts():
        ids = tok(p, padding="max_length", max_length=77, truncation=True).input_ids
        ids_fast = fast(p, padding="max_length", max_length=77, truncation=True).input_ids
        assert len(ids) == 77 and len(ids_fast) == 77
        cases.append(
            {
                "prompt": p,
                "normalized": whitespace_clean(ftfy.fix_text(p)).lower(),
                "ids": ids,
                "ids_fast": ids_fast,
            }
        )
    meta = {
        "tokenizer_class": type(tok).__name__,
        "ftfy": tok.fix_text is not None,
        "ftfy_version": version("ftfy"),
        "normalization": "CLIPTokenizer with ftfy installed: whitespace_clean(ftfy.fix_text(text)).lower(), "
        "whitespace_clean = re.sub(r'\\s+', ' ', text).strip(); ftfy.fix_text with its defaults (NFC, "
        "uncurl quotes, fix latin ligatures, full-width to half-width, fix mojibake, unescape HTML when "
        "the text has no '<'). The result is in each case's `normalized`. Special-token strings in the "
        "text (<|startoftext|>, <|endoftext|>) become their ids.",
        "call": 'pipe.tokenizer(prompt, padding="max_length", max_length=77, truncation=True).input_ids',
        "ids": "what the diffusers pipeline feeds its text encoder (slow CLIPTokenizer + ftfy)",
        "ids_fast": "CLIPTokenizerFast converted from the same vocab.json/merges.txt (no ftfy: NFC, "
        "\\s+ -> ' ', lowercase), i.e. what a tokenizer.json implementation gives; differs from `ids` "
        "where ftfy changes the text",
        "bos_token_id": tok.bos_token_id,
        "eos_token_id": tok.eos_token_id,
        "pad_token_id": tok.pad_token_id,
        "max_length": 77,
        "vocab_size": len(tok),
        "count": len(cases),
    }
    return {"meta": meta, "cases": cases}


@torch.no_grad()
def write_goldens(pipe, out: Path, tokenizer_dir: Path, fp16_layout: Path | None = None) -> dict:
    """golden/ from the PyTorch pipeline; with fp16_layout (the exported fp16/ folder) also golden/fp16/."""
    out.mkdir(parents=True, exist_ok=True)
    dump_json(token_goldens(pipe, tokenizer_dir), out / "tokens.json")

    # Text-encoder embeddings.
    embeddings, tensors = [], {}
    for i, p in enumerate(EMBEDDING_PROMPTS):
        ids = pipe.tokenizer(p, padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
        tensors[f"emb_{i}"] = pipe.text_encoder(ids)[0].contiguous()
        embeddings.append({"tensor": f"emb_{i}", "prompt": p, "ids": ids[0].tolist()})
    save_file(tensors, str(out / "embeddings.safetensors"))

    noise = noise_tensor()
    save_latent(noise, out / "noise.latent")
    base_config = pipe.scheduler.config
    original_scheduler = pipe.scheduler
    sf = pipe.vae.config.scaling_factor

    schedulers, schedules, fp32_latents = {}, {}, {}
    for key, make in _schedulers().items():
        pipe.scheduler = make(base_config)
        latents = pipe(
            prompt=PROMPT,
            negative_prompt=NEGATIVE_PROMPT,
            num_inference_steps=STEPS,
            guidance_scale=GUIDANCE,
            height=SIZE,
            width=SIZE,
            latents=noise.clone(),
            output_type="latent",
        ).images
        save_latent(latents, out / f"{key}.latent")
        fp32_latents[key] = latents.to(torch.float32)
        image = pipe.vae.decode(latents / sf, return_dict=False)[0]
        pil = pipe.image_processor.postprocess(image, output_type="pil", do_denormalize=[True])[0]
        save_png(pil, out / f"{key}.png")
        s = make(base_config)
        schedulers[key] = {
            "call": SCHEDULER_CALLS[key],
            "class": type(s).__name__,
            "config": scheduler_config(s),
            "order": s.order,
            "latent": f"{key}.latent",
            "image": f"{key}.png",
            **schedule_of(s, STEPS),
        }
        schedules[key] = {str(n): schedule_of(make(base_config), n) for n in SCHEDULE_STEPS}
    pipe.scheduler = original_scheduler

    # VAE round trip pieces.
    card = vae_input_image()
    save_png(card, out / "vae_input.png")
    x = pipe.image_processor.preprocess(Image.open(out / "vae_input.png"))
    mean = pipe.vae.encode(x).latent_dist.mean
    save_latent(mean, out / "vae_encode_mean.latent")
    decoded = pipe.vae.decode(noise / sf, return_dict=False)[0]
    save_file({"image": decoded.to(torch.float32).contiguous()}, str(out / "vae_decode.safetensors"))
    pil = pipe.image_processor.postprocess(decoded, output_type="pil", do_denormalize=[True])[0]
    save_png(pil, out / "vae_decode.png")

    fp16 = None
    if fp16_layout is not None:
        fp16 = write_ort_goldens(fp16_layout, out / FP16_DIR, noise, fp32_latents)

    meta = {
        "format": "kosmograph-sd15-goldens/1",
        "made_with": "diffusers StableDiffusionPipeline (PyTorch, float32, CPU, 1 thread, "
        "torch.use_deterministic_algorithms(True)); see test/fixtures/sd15/README.md",
        "prompt": PROMPT,
        "negative_prompt": NEGATIVE_PROMPT,
        "steps": STEPS,
        "guidance_scale": GUIDANCE,
        "height": SIZE,
        "width": SIZE,
        "seed": SEED,
        "call": f"pipe(prompt=prompt, negative_prompt=negative_prompt, num_inference_steps={STEPS}, "
        f"guidance_scale={GUIDANCE}, height={SIZE}, width={SIZE}, latents=noise, output_type='latent')"
        ".images -> <key>.latent; image = vae.decode(latents / scaling_factor).sample; "
        "pipe.image_processor.postprocess(image, output_type='pil', do_denormalize=[True]) -> <key>.png",
        "scaling_factor": sf,
        "vae_scale_factor": pipe.vae_scale_factor,
        "latent_files": "ComfyUI .latent layout: safetensors with one float32 tensor `latent_tensor`, no "
        "`latent_format_version_0` key and no metadata. Values are in the U-Net's (diffusers') latent space, "
        "i.e. VAE latents x scaling_factor, except vae_encode_mean.latent (raw, unscaled). ComfyUI's "
        "LoadLatent reads a file without `latent_format_version_0` as its old format and multiplies by "
        "1/0.18215, which turns diffusers-space latents into its own (unscaled) space.",
        "noise": {
            "file": "noise.latent",
            "tensor": "latent_tensor",
            "shape": list(noise.shape),
            "how": f"torch.randn((1, 4, 8, 8), generator=torch.Generator().manual_seed({SEED}), dtype=torch.float32); "
            "the pipeline multiplies it by the scheduler's init_noise_sigma",
        },
        "schedulers": schedulers,
        "schedules": schedules,
        "embeddings": {
            "file": "embeddings.safetensors",
            "what": "text_encoder(ids).last_hidden_state, float32 [1, 77, hidden]",
            "items": embeddings,
        },
        "vae": {
            "input": "vae_input.png",
            "encode_mean": {
                "file": "vae_encode_mean.latent",
                "tensor": "latent_tensor",
                "what": "vae.encode(x).latent_dist.mean, RAW (NOT multiplied by scaling_factor); x = "
                "pipe.image_processor.preprocess(vae_input.png): [1, 3, 64, 64] in [-1, 1]. The optimum "
                "layout's vae_encoder `latent_parameters` is [mean, logvar] on axis 1; the diffusers-onnx "
                "layout's `latent_sample` is this mean.",
            },
            "decode": {
                "file": "vae_decode.safetensors",
                "tensor": "image",
                "png": "vae_decode.png",
                "what": "vae.decode(noise.latent / scaling_factor).sample, float32 [1, 3, 64, 64] in about "
                "[-1, 1] before postprocess; the PNG is the pipeline's postprocess of it",
            },
        },
        "models": {
            "unet": {k: list(v) if isinstance(v, tuple) else v for k, v in UNET_CONFIG.items()},
            "text_encoder": dict(TEXT_ENCODER_CONFIG),
            "vae": {k: list(v) if isinstance(v, tuple) else v for k, v in VAE_CONFIG.items()},
            "weights": "random, torch.manual_seed(0) before building each component",
        },
        "tokens": {"file": "tokens.json", "count": len(all_prompts())},
        "versions": {"python": f"{sys.version_info.major}.{sys.version_info.minor}", **{p: version(p) for p in PINNED}},
    }
    if fp16 is not None:
        meta["fp16"] = fp16
        meta["fp16_reference"] = FP16_REFERENCE
    dump_json(meta, out / "pipeline.json")
    return meta
