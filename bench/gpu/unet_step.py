"""One SD1.5 U-Net step on a GPU: onnxruntime's CUDA provider against PyTorch on the same device, in one go.

    python bench/gpu/unet_step.py --out results.json                 # full size, 512 x 512, batch 2, CUDA
    python bench/gpu/unet_step.py --device cpu --tiny --out r.json   # the same code path on CPU, tiny U-Net (a check)

Builds the full-size SD1.5 U-Net (the configs of python/kosmograph_tools/peer_bench.py) with random weights,
exports it with `kosmograph-export sd15`'s U-Net export (torch.onnx, ControlNet residual inputs, weights in
external data) into a temp folder, then times one batch-2 (classifier-free guidance) step at --size px:
PyTorch (diffusers' UNet2DConditionModel, its default SDPA attention) and an onnxruntime InferenceSession on
the exported file (residuals zero, as kosmograph feeds them), interleaved (torch, ort, torch, ort, ...), median
of --samples after --warmup runs each. On CUDA, inputs and outputs stay on the device (IOBinding for
onnxruntime) and each sample ends with a device synchronise. Every output is checked finite; a failed run exits 1
with {"status": "failed"}. Needs no network and no Node: Python with torch, onnx, onnxruntime(-gpu), numpy and
diffusers (see docs/performance.md for bringing diffusers to a machine without network).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python"))  # kosmograph_tools from this checkout, installed or not


def _require_modules() -> None:
    missing = []
    for name in ("numpy", "torch", "onnx", "onnxruntime", "diffusers"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise SystemExit(
            f"unet_step.py: missing Python packages: {', '.join(missing)}. Install them (offline: "
            "pip install --no-index --find-links <wheels folder> ...; see docs/performance.md, GPU row)"
        )


def build_unet(tiny: bool):
    import torch
    from diffusers import UNet2DConditionModel

    from kosmograph_tools.peer_bench import configs

    torch.manual_seed(0)
    return UNet2DConditionModel(**configs(tiny)["unet"]).eval()


def export(unet, folder: Path) -> Path:
    """The exporter's own U-Net export (traced on the CPU, float32): model.onnx + model.onnx_data."""
    from kosmograph_tools.export import export_unet

    path = folder / "unet" / "model.onnx"
    export_unet(unet, path, folder / "scratch")
    return path


def ort_session(path: Path, device: str, threads: int):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    if threads > 0:
        so.intra_op_num_threads = threads
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if device == "cuda" else ["CPUExecutionProvider"]
    sess = ort.InferenceSession(str(path), sess_options=so, providers=providers)
    if device == "cuda" and sess.get_providers()[0] != "CUDAExecutionProvider":
        raise RuntimeError(f"onnxruntime did not take the CUDA provider (got {sess.get_providers()}); "
                           f"available: {ort.get_available_providers()} -- is onnxruntime-gpu installed?")
    return sess


def feeds_for(unet_config, sess, size: int):
    """Batch-2 inputs at a size x size image, and zero residuals for every other U-Net input."""
    import numpy as np

    from kosmograph_tools.export import residual_layout

    rng = np.random.default_rng(0)
    side = size // 8
    feeds = {
        "sample": rng.standard_normal((2, unet_config["in_channels"], side, side)).astype(np.float32),
        "timestep": np.array([999.0, 999.0], np.float32),
        "encoder_hidden_states": rng.standard_normal((2, 77, unet_config["cross_attention_dim"])).astype(np.float32),
    }
    layout = residual_layout(unet_config)
    extra = [i.name for i in sess.get_inputs() if i.name not in feeds]
    for k, name in enumerate(extra):
        ch, f = layout[k]
        feeds[name] = np.zeros((2, ch, -(-side // f), -(-side // f)), np.float32)
    return feeds


def torch_runner(unet, feeds, device: str):
    import torch

    dev = torch.device(device)
    unet = unet.to(dev)
    args = [torch.from_numpy(feeds[k]).to(dev) for k in ("sample", "timestep", "encoder_hidden_states")]

    def run():
        with torch.inference_mode():
            out = unet(*args, return_dict=False)[0]
        if device == "cuda":
            torch.cuda.synchronize()
        return out

    return run, lambda out: out.float().cpu().numpy()


def ort_runner(sess, feeds, device: str):
    import onnxruntime as ort

    if device != "cuda":
        return (lambda: sess.run(["out_sample"], feeds)[0]), (lambda out: out)
    binding = sess.io_binding()
    for name, value in feeds.items():
        binding.bind_ortvalue_input(name, ort.OrtValue.ortvalue_from_numpy(value, "cuda", 0))
    binding.bind_output("out_sample", "cuda", 0)

    def run():
        sess.run_with_iobinding(binding)
        binding.synchronize_outputs()
        return binding.get_outputs()[0]

    return run, lambda out: out.numpy()


def interleaved(runners: dict, warmup: int, samples: int) -> dict[str, list[float]]:
    import numpy as np

    for name, (run, to_np) in runners.items():
        for _ in range(warmup):
            if not np.isfinite(to_np(run())).all():
                raise RuntimeError(f"{name}: non-finite output in warm-up")
    ms: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(samples):
        for name, (run, to_np) in runners.items():
            t = time.perf_counter()
            out = run()
            ms[name].append((time.perf_counter() - t) * 1000)
            if not np.isfinite(to_np(out)).all():
                raise RuntimeError(f"{name}: non-finite output")
    return ms


def versions(device: str) -> dict:
    import numpy
    import onnx
    import onnxruntime
    import torch

    import diffusers

    v = {"python": platform.python_version(), "torch": torch.__version__, "onnx": onnx.__version__,
         "onnxruntime": onnxruntime.__version__, "diffusers": diffusers.__version__, "numpy": numpy.__version__,
         "machine": platform.processor() or platform.machine()}
    if device == "cuda":
        v["gpu"] = torch.cuda.get_device_name(0)
        v["cuda"] = torch.version.cuda
        v["cudnn"] = str(torch.backends.cudnn.version())
    return v


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="write the JSON result here (also printed)")
    ap.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    ap.add_argument("--tiny", action="store_true", help="the tiny fixtures' U-Net (a check of this script)")
    ap.add_argument("--size", type=int, default=512, help="image size in px (latent = size / 8)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--samples", type=int, default=7, help="timed runs per side (median reported; >= 5)")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads (torch and onnxruntime); 0 = their defaults")
    ap.add_argument("--workdir", type=Path, help="where to export (default: a temp folder, removed at the end)")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _require_modules()
    import torch

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    result: dict = {"device": args.device, "tiny": args.tiny, "size": args.size, "batch": 2,
                    "warmup": args.warmup, "samples": args.samples}
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kosmograph-gpu-unet-"))
    try:
        result["versions"] = versions(args.device)
        if args.device == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("torch sees no CUDA device (torch.cuda.is_available() is False)")
        t = time.perf_counter()
        unet = build_unet(args.tiny)
        path = export(unet, work)
        result["export_s"] = round(time.perf_counter() - t, 1)
        result["onnx_bytes"] = sum(p.stat().st_size for p in path.parent.iterdir())
        sess = ort_session(path, args.device, args.threads)
        result["ort_providers"] = sess.get_providers()
        feeds = feeds_for(dict(unet.config), sess, args.size)
        runners = {"torch": torch_runner(unet, feeds, args.device), "ort": ort_runner(sess, feeds, args.device)}
        ms = interleaved(runners, args.warmup, args.samples)
        result["ms"] = ms
        result["median_ms"] = {k: statistics.median(v) for k, v in ms.items()}
        result["ort_over_torch"] = result["median_ms"]["ort"] / result["median_ms"]["torch"]
        result["status"] = "done"
    except Exception as e:  # a failed run is a failed benchmark, never a time
        result.update(status="failed", error=f"{type(e).__name__}: {e}")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(result, indent=2, sort_keys=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0 if result["status"] == "done" else 1


if __name__ == "__main__":
    raise SystemExit(main())
