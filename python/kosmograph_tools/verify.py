"""Check every exported ONNX model against the PyTorch pipeline in onnxruntime (CPU)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .determinism import ort_session

FP32_ATOL = 1e-4
# fp16 models against the fp32 PyTorch components (inputs rounded to fp16 first): relative to the
# output's magnitude, since fp16 keeps ~3 significant digits.
FP16_RTOL_OF_MAX = 2e-2

# What each layout's models must look like: name -> (onnx type, rank) per input / output, in order.
F32, F16, I32, I64 = "tensor(float)", "tensor(float16)", "tensor(int32)", "tensor(int64)"


def expected_io(layout: str) -> dict[str, dict[str, list[tuple[str, str, int]]]]:
    f = F16 if layout == "fp16" else F32
    enc_out = "latent_sample" if layout == "diffusers-onnx" else "latent_parameters"
    return {
        "text_encoder": {
            "inputs": [("input_ids", I32, 2)],
            "outputs": [("last_hidden_state", f, 3), ("pooler_output", f, 2)],
        },
        "unet": {
            "inputs": [("sample", f, 4), ("timestep", I64, 1), ("encoder_hidden_states", f, 3)],
            "outputs": [("out_sample", f, 4)],
        },
        "vae_encoder": {"inputs": [("sample", f, 4)], "outputs": [(enc_out, f, 4)]},
        "vae_decoder": {"inputs": [("latent_sample", f, 4)], "outputs": [("sample", f, 4)]},
    }


def describe(path: Path) -> dict:
    """Inputs and outputs of one model as onnxruntime reports them."""
    s = ort_session(path)
    io = lambda xs: [{"name": x.name, "type": x.type, "shape": list(x.shape)} for x in xs]  # noqa: E731
    return {"inputs": io(s.get_inputs()), "outputs": io(s.get_outputs())}


def check_io(layout_dir: Path, layout: str) -> dict:
    report = {}
    for comp, want in expected_io(layout).items():
        got = describe(layout_dir / comp / "model.onnx")
        for kind in ("inputs", "outputs"):
            g = [(x["name"], x["type"], len(x["shape"])) for x in got[kind]]
            if g != want[kind]:
                raise AssertionError(f"{layout}/{comp} {kind}: got {g}, want {want[kind]}")
        report[comp] = got
    return report


def reference_inputs(pipe) -> dict[str, dict[str, np.ndarray]]:
    rng = np.random.default_rng(1234)
    ids = rng.integers(0, pipe.tokenizer.vocab_size, size=(2, 77)).astype(np.int32)
    ids[:, 0] = 49406
    ids[0, 9:] = 49407
    ids[1, 40:] = 49407
    size = pipe.vae.config.sample_size
    lat = pipe.unet.config.sample_size
    return {
        "text_encoder": {"input_ids": ids},
        "unet": {
            "sample": rng.standard_normal((2, 4, lat, lat)).astype(np.float32),
            "timestep": np.array([981, 1], dtype=np.int64),
            "encoder_hidden_states": rng.standard_normal((2, 77, pipe.text_encoder.config.hidden_size)).astype(np.float32),
        },
        "vae_encoder": {"sample": rng.uniform(-1, 1, (1, 3, size, size)).astype(np.float32)},
        "vae_decoder": {
            "latent_sample": (rng.standard_normal((1, 4, lat, lat)) / pipe.vae.config.scaling_factor).astype(np.float32)
        },
    }


@torch.no_grad()
def torch_outputs(pipe, comp: str, feeds: dict[str, np.ndarray], layout: str) -> list[np.ndarray]:
    t = {k: torch.from_numpy(v) for k, v in feeds.items()}
    if comp == "text_encoder":
        o = pipe.text_encoder(t["input_ids"].long())
        return [o.last_hidden_state.numpy(), o.pooler_output.numpy()]
    if comp == "unet":
        return [pipe.unet(t["sample"], t["timestep"], t["encoder_hidden_states"]).sample.numpy()]
    if comp == "vae_encoder":
        dist = pipe.vae.encode(t["sample"]).latent_dist
        return [(dist.mean if layout == "diffusers-onnx" else dist.parameters).numpy()]
    if comp == "vae_decoder":
        return [pipe.vae.decode(t["latent_sample"]).sample.numpy()]
    raise KeyError(comp)


def verify_layout(pipe, layout_dir: Path, layout: str) -> dict:
    """Names/dtypes as expected_io says, and outputs within tolerance of PyTorch. Raises otherwise."""
    report = {"io": check_io(layout_dir, layout), "max_abs_diff": {}}
    fp16 = layout == "fp16"
    for comp, feeds in reference_inputs(pipe).items():
        if fp16:
            feeds = {k: (v.astype(np.float16) if v.dtype == np.float32 else v) for k, v in feeds.items()}
        got = ort_session(layout_dir / comp / "model.onnx").run(None, feeds)
        ref_feeds = {k: (v.astype(np.float32) if v.dtype == np.float16 else v) for k, v in feeds.items()}
        ref = torch_outputs(pipe, comp, ref_feeds, layout)
        diffs = []
        for g, r in zip(got, ref, strict=True):
            if g.shape != r.shape:
                raise AssertionError(f"{layout}/{comp}: shape {g.shape} != PyTorch {r.shape}")
            if not np.isfinite(g).all():
                raise AssertionError(f"{layout}/{comp}: non-finite output")
            d = float(np.abs(g.astype(np.float64) - r.astype(np.float64)).max())
            tol = FP16_RTOL_OF_MAX * max(1.0, float(np.abs(r).max())) if fp16 else FP32_ATOL
            if d > tol:
                raise AssertionError(f"{layout}/{comp}: max abs diff {d:.3g} vs PyTorch exceeds {tol:.3g}")
            diffs.append(d)
        report["max_abs_diff"][comp] = diffs
    return report
