"""The Python side of `npm run bench:peer`: full-size SD1.5 with random weights, and its PyTorch / onnxruntime timings.

    python -m kosmograph_tools.peer_bench models [--tiny]                       # build + export once, print the paths
    python -m kosmograph_tools.peer_bench step --side torch|ort --sizes 256,512  # one batch-2 U-Net step, JSON out
    python -m kosmograph_tools.peer_bench image --size 512 --steps 4            # a whole diffusers text->image, JSON out

The models are SD1.5's architecture (the configs below are stable-diffusion-v1-5's `unet/`, `vae/` and
`text_encoder/` config.json, written down here because the Hub is out of reach) with PyTorch's default random
init. They are built once into `$KOSMOGRAPH_CACHE_DIR/peer-sd15` (default `~/.cache/kosmograph/peer-sd15`):
`torch/` (the diffusers pipeline, `save_pretrained`, so every timing process loads the same weights) and `onnx/`
(`kosmograph-export sd15`'s own `build_sd15` run on that pipeline: the exporter's layout and checks). A
`peer-manifest.json` written last records the configs' digest and every file's size; a folder whose manifest is
missing or does not match is rebuilt. Each timing command prints one JSON line on stdout and exits 1 when a run
fails or gives a non-finite output, so a failed run fails the benchmark instead of making it faster.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np

# stable-diffusion-v1-5/stable-diffusion-v1-5 unet/config.json (diffusers 0.6.0 keys; the rest are defaults).
SD15_UNET_CONFIG: dict = dict(
    sample_size=64,
    in_channels=4,
    out_channels=4,
    center_input_sample=False,
    flip_sin_to_cos=True,
    freq_shift=0,
    down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
    block_out_channels=(320, 640, 1280, 1280),
    layers_per_block=2,
    downsample_padding=1,
    mid_block_scale_factor=1,
    act_fn="silu",
    norm_num_groups=32,
    norm_eps=1e-5,
    cross_attention_dim=768,
    attention_head_dim=8,
)

# vae/config.json
SD15_VAE_CONFIG: dict = dict(
    in_channels=3,
    out_channels=3,
    down_block_types=("DownEncoderBlock2D",) * 4,
    up_block_types=("UpDecoderBlock2D",) * 4,
    block_out_channels=(128, 256, 512, 512),
    layers_per_block=2,
    act_fn="silu",
    latent_channels=4,
    norm_num_groups=32,
    sample_size=512,
    scaling_factor=0.18215,
)

# text_encoder/config.json (openai/clip-vit-large-patch14's text tower; SD1.5 keeps CLIP's legacy eos id 2).
SD15_TEXT_ENCODER_CONFIG: dict = dict(
    vocab_size=49408,
    hidden_size=768,
    intermediate_size=3072,
    projection_dim=768,
    num_hidden_layers=12,
    num_attention_heads=12,
    max_position_embeddings=77,
    hidden_act="quick_gelu",
    layer_norm_eps=1e-5,
    attention_dropout=0.0,
    dropout=0.0,
    initializer_range=0.02,
    initializer_factor=1.0,
    bos_token_id=0,
    eos_token_id=2,
    pad_token_id=1,
)

# The exporter's check against PyTorch at full size: optimum's own validation tolerance for the SD U-Net
# (UNetOnnxConfig.ATOL_FOR_VALIDATION = 1e-3), chosen before the first full-size build because deeper sums of
# random weights could have exceeded the exporter's 1e-4 default. Measured: at most 9e-6 on every model (the
# diffs are in peer-manifest.json). Part of the manifest's digest, so changing it rebuilds the folder.
FULL_SIZE_ATOL = 1e-3
PROMPT = "a photograph of an astronaut riding a horse"
NEGATIVE = "blurry, low quality"
GUIDANCE = 7.5
MANIFEST = "peer-manifest.json"


def configs(tiny: bool) -> dict:
    """The three model configs: SD1.5's, or the tiny fixtures' (tiny_pipeline.py) for tests."""
    if tiny:
        from .tiny_pipeline import TEXT_ENCODER_CONFIG, UNET_CONFIG, VAE_CONFIG

        return {"unet": dict(UNET_CONFIG), "vae": dict(VAE_CONFIG), "text_encoder": dict(TEXT_ENCODER_CONFIG)}
    return {"unet": dict(SD15_UNET_CONFIG), "vae": dict(SD15_VAE_CONFIG), "text_encoder": dict(SD15_TEXT_ENCODER_CONFIG)}


def config_digest(tiny: bool) -> str:
    import diffusers
    import torch

    text = json.dumps({"configs": configs(tiny), "torch": torch.__version__, "diffusers": diffusers.__version__,
                       "atol": FULL_SIZE_ATOL}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def cache_root(tiny: bool, cache_dir: Path | None = None) -> Path:
    base = cache_dir or Path(os.environ.get("KOSMOGRAPH_CACHE_DIR") or Path.home() / ".cache" / "kosmograph")
    return base / ("peer-sd15-tiny" if tiny else "peer-sd15")


def _files(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_size
            for sub in ("torch", "onnx") for p in sorted((root / sub).rglob("*")) if p.is_file()}


def models_valid(root: Path, tiny: bool) -> str | None:
    """None when root holds a complete build for these configs, else why not."""
    try:
        manifest = json.loads((root / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return f"{root / MANIFEST} is missing or unreadable"
    if manifest.get("digest") != config_digest(tiny):
        return "built from other configs or library versions"
    files = manifest.get("files", {})
    now = _files(root)
    if not files or now != files:
        changed = sorted(set(files.items()) ^ set(now.items()))[:3]
        return f"files changed since the build: {changed}"
    return None


def make_pipeline(tiny: bool, tokenizer_dir: Path):
    """A StableDiffusionPipeline (float32, CPU) of the given configs, PyTorch's default init from seed 0 per part."""
    import torch
    from diffusers import AutoencoderKL, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    from .tiny_pipeline import make_scheduler
    from .tokenizer_files import load_tokenizer, write_tokenizer

    cfg = configs(tiny)
    write_tokenizer(tokenizer_dir)
    torch.manual_seed(0)
    unet = UNet2DConditionModel(**cfg["unet"]).eval()
    torch.manual_seed(0)
    vae = AutoencoderKL(**cfg["vae"]).eval()
    torch.manual_seed(0)
    te = CLIPTextModel(CLIPTextConfig(**cfg["text_encoder"])).eval()
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=te, tokenizer=load_tokenizer(tokenizer_dir), unet=unet,
                                   scheduler=make_scheduler(), safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def ensure_models(tiny: bool = False, cache_dir: Path | None = None, log=print) -> Path:
    """Build and export the models once into the cache (see the module doc); returns the root folder."""
    from .export import atomic_build, build_sd15

    root = cache_root(tiny, cache_dir)
    why = models_valid(root, tiny)
    if why is None:
        return root
    log(f"building {root} ({why})")
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    t0 = time.perf_counter()
    pipe = make_pipeline(tiny, root / "tokenizer-src")
    log(f"random-weight pipeline built ({time.perf_counter() - t0:.1f}s)")
    pipe.save_pretrained(str(root / "torch"), safe_serialization=True)
    log(f"torch/ saved ({time.perf_counter() - t0:.1f}s)")
    report = atomic_build(root / "onnx", lambda b: build_sd15(pipe, b, False, None, FULL_SIZE_ATOL, log), overwrite=True)
    del pipe
    shutil.rmtree(root / "tokenizer-src", ignore_errors=True)
    manifest = {"digest": config_digest(tiny), "tiny": tiny, "atol": FULL_SIZE_ATOL,
                "max_abs_diff": report["max_abs_diff"], "files": _files(root)}
    tmp = root / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, root / MANIFEST)
    log(f"exported {root / 'onnx'} ({time.perf_counter() - t0:.1f}s)")
    return root


# ----------------------------------------------------------------------------------------------- timing


def set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set in this process
        pass


def peak_rss() -> int:
    """Peak resident set of this process in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class RunFailed(RuntimeError):
    """A timed run failed or produced non-finite values."""


def require_finite(a: np.ndarray, what: str) -> None:
    if a.size == 0 or not np.isfinite(a).all():
        raise RunFailed(f"{what}: output has non-finite values or is empty (shape {a.shape})")


def step_inputs(unet_config: dict, size: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Batch-2 (uncond + cond) inputs of one U-Net step at a size x size image: latents, timestep, embeddings."""
    rng = np.random.default_rng(seed)
    side = size // 8
    return {
        "sample": rng.standard_normal((2, unet_config["in_channels"], side, side)).astype(np.float32),
        "timestep": np.array([999.0, 999.0], np.float32),
        "encoder_hidden_states": rng.standard_normal((2, 77, unet_config["cross_attention_dim"])).astype(np.float32),
    }


def torch_stepper(root: Path, threads: int):
    """diffusers' UNet2DConditionModel forward (its default attention processor, SDPA), as a user runs it."""
    import torch
    from diffusers import UNet2DConditionModel

    set_threads(threads)
    unet = UNet2DConditionModel.from_pretrained(str(root / "torch" / "unet"), torch_dtype=torch.float32,
                                                local_files_only=True).eval()

    def run(feeds: dict[str, np.ndarray]) -> np.ndarray:
        with torch.inference_mode():
            out = unet(torch.from_numpy(feeds["sample"]), torch.from_numpy(feeds["timestep"]),
                       torch.from_numpy(feeds["encoder_hidden_states"]), return_dict=False)[0]
        return out.numpy()

    return run


def ort_session_options(threads: int):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    return so


def ort_stepper(root: Path, threads: int):
    """onnxruntime's Python InferenceSession on the exported U-Net, with the ControlNet residual inputs zero (as
    kosmograph's sampler feeds them without a ControlNet): the engine floor."""
    import onnxruntime as ort

    from .export import residual_layout

    sess = ort.InferenceSession(str(root / "onnx" / "unet" / "model.onnx"), sess_options=ort_session_options(threads),
                                providers=["CPUExecutionProvider"])
    zeros: dict[str, tuple[int, list]] = {}
    for i in sess.get_inputs():
        if i.name not in ("sample", "timestep", "encoder_hidden_states"):
            zeros[i.name] = (len(zeros), i.shape)

    layout = residual_layout(json.loads((root / "onnx" / "unet" / "config.json").read_text("utf-8")))

    def run(feeds: dict[str, np.ndarray]) -> np.ndarray:
        b, _, h, w = feeds["sample"].shape
        res = {name: np.zeros((b, layout[k][0], -(-h // layout[k][1]), -(-w // layout[k][1])), np.float32)
               for name, (k, _) in zeros.items()}
        return sess.run(["out_sample"], {**feeds, **res})[0]

    return run


def time_steps(run, unet_config: dict, sizes: list[int], warmup: int, samples: int) -> list[dict]:
    """Per size: `warmup` untimed runs, then `samples` timed ones (ms), each output checked finite."""
    out = []
    for size in sizes:
        feeds = step_inputs(unet_config, size)
        for _ in range(warmup):
            require_finite(run(feeds), f"U-Net step {size}x{size} (warm-up)")
        ms = []
        for _ in range(samples):
            t = time.perf_counter()
            got = run(feeds)
            ms.append((time.perf_counter() - t) * 1000)
            require_finite(got, f"U-Net step {size}x{size}")
            if got.shape != feeds["sample"].shape:
                raise RunFailed(f"U-Net step {size}x{size}: output shape {got.shape} != {feeds['sample'].shape}")
        out.append({"size": size, "ms": ms})
    return out


def diffusers_image(root: Path, threads: int, size: int, steps: int, warmup: int, samples: int) -> list[float]:
    """diffusers' StableDiffusionPipeline text->image with Euler (diffusers' EulerDiscreteScheduler on SD1.5's
    scheduler config, as kosmograph's sampler euler + scheduler diffusers), guidance 7.5, prompt + negative
    prompt, VAE decode, and the PNG encoded in memory (kosmograph's Save Image also encodes its PNG). Warm-up
    runs are 1-step images (they load every part and size the allocations). Returns ms per timed image."""
    import torch
    from diffusers import EulerDiscreteScheduler

    from .export import load_sd15

    set_threads(threads)
    pipe = load_sd15(root / "torch")
    pipe.scheduler = EulerDiscreteScheduler.from_config(pipe.scheduler.config)

    def one(n: int, seed: int) -> None:
        with torch.inference_mode():
            img = pipe(PROMPT, negative_prompt=NEGATIVE, num_inference_steps=n, guidance_scale=GUIDANCE, height=size,
                       width=size, generator=torch.Generator().manual_seed(seed), output_type="np").images
        require_finite(img, f"diffusers image {size}x{size} {n} steps")
        buf = io.BytesIO()
        pipe.numpy_to_pil(img)[0].save(buf, format="PNG")
        if buf.tell() == 0:
            raise RunFailed("diffusers image: empty PNG")

    for i in range(warmup):
        one(1, 100 + i)
    ms = []
    for i in range(samples):
        t = time.perf_counter()
        one(steps, i)
        ms.append((time.perf_counter() - t) * 1000)
    return ms


def _versions() -> dict:
    import diffusers
    import onnxruntime
    import torch

    return {"python": sys.version.split()[0], "torch": torch.__version__, "diffusers": diffusers.__version__,
            "onnxruntime": onnxruntime.__version__, "numpy": np.__version__}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kosmograph_tools.peer_bench", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("models", "step", "image"):
        p = sub.add_parser(name)
        p.add_argument("--tiny", action="store_true", help="the tiny fixtures' configs (tests), not SD1.5's")
        p.add_argument("--cache-dir", type=Path, help="default $KOSMOGRAPH_CACHE_DIR or ~/.cache/kosmograph")
        p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch / onnxruntime intra-op threads")
        p.add_argument("--warmup", type=int, default=1)
        p.add_argument("--samples", type=int, default=1)
    sub.choices["step"].add_argument("--side", choices=("torch", "ort"), required=True)
    sub.choices["step"].add_argument("--sizes", default="256,512", help="image sizes, comma-separated (px)")
    sub.choices["image"].add_argument("--size", type=int, default=512)
    sub.choices["image"].add_argument("--steps", type=int, default=4)
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from .fixtures import _quiet

    _quiet()
    log = lambda m: print(f"peer_bench: {m}", file=sys.stderr, flush=True)  # noqa: E731
    result: dict = {"cmd": args.cmd, "threads": args.threads, "versions": _versions()}
    try:
        root = ensure_models(args.tiny, args.cache_dir, log)
        result["root"] = str(root)
        if args.cmd == "step":
            make = torch_stepper if args.side == "torch" else ort_stepper
            run = make(root, args.threads)
            cfg = configs(args.tiny)["unet"]
            sizes = [int(s) for s in args.sizes.split(",") if s]
            result.update(side=args.side, steps=time_steps(run, cfg, sizes, args.warmup, args.samples))
        elif args.cmd == "image":
            result.update(side="diffusers", size=args.size, n_steps=args.steps,
                          ms=diffusers_image(root, args.threads, args.size, args.steps, args.warmup, args.samples))
        result["status"] = "done"
    except Exception as e:  # every failure is reported as a failed run (exit 1), never as a time
        result.update(status="failed", error=f"{type(e).__name__}: {e}")
    result["max_rss"] = peak_rss()
    print(json.dumps(result), flush=True)
    return 0 if result["status"] == "done" else 1


if __name__ == "__main__":
    raise SystemExit(main())
