"""kosmograph-export: real SD1.5 checkpoints and ControlNets to ONNX, with ControlNet residual inputs.

    kosmograph-export sd15 <diffusers folder | model.safetensors | model.ckpt> --out DIR [--fp16] [--config-dir CFG]
    kosmograph-export controlnet <diffusers ControlNet folder | model.safetensors> --out DIR [--fp16] [--config-dir CFG]
    kosmograph-export kosmos-g --checkpoint C --vision V --sentencepiece S --dict D --out DIR [--fp16]  (kosmos_g_export.py)

`sd15` writes optimum's layout (model_index.json, scheduler/, tokenizer/, text_encoder/, unet/, vae_encoder/,
vae_decoder/, each model with its config.json). Its U-Net takes, besides `sample`, `timestep` and
`encoder_hidden_states`, the 12 down-block residuals `down_block_{i}_additional_residual` and
`mid_block_additional_residual` (zeros = no ControlNet). `controlnet` writes model.onnx (+ model.onnx_data)
and config.json; its outputs are those 13 residuals, already multiplied by `conditioning_scale`.

Every model is checked against PyTorch in onnxruntime on random inputs before anything appears at --out:
the folder is built in a temp folder next to --out and renamed at the end.
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
from pathlib import Path

import numpy as np
import torch

OPSET = 14
FP32_ATOL = 1e-4
FP16_RTOL_OF_MAX = 2e-2  # fp16 export against the fp32 PyTorch model: relative to the output's magnitude
MID_RESIDUAL = "mid_block_additional_residual"

SINGLE_FILE_NEEDS_CONFIG = (
    "a single-file checkpoint needs --config-dir: diffusers 0.31's from_single_file takes the model configs "
    "(model_index.json, unet/vae/text_encoder config.json, scheduler/, tokenizer/) from the Hub repo it infers from "
    "the checkpoint's keys (e.g. stable-diffusion-v1-5/stable-diffusion-v1-5, lllyasviel/control_v11p_sd15_canny) "
    "unless `config=` names a local diffusers folder, and diffusers ships no such configs. Pass a diffusers folder "
    "of the same architecture as --config-dir (its weights are not read)."
)


class ExportError(RuntimeError):
    """An export or its check against PyTorch failed; nothing was written to --out."""


def down_residual_name(i: int) -> str:
    return f"down_block_{i}_additional_residual"


def residual_names(n_down: int) -> list[str]:
    return [down_residual_name(i) for i in range(n_down)] + [MID_RESIDUAL]


def residual_layout(unet_config) -> list[tuple[int, int]]:
    """(channels, downsampling factor) of each down-block residual and the mid-block one, in diffusers' order:
    conv_in, then per down block its resnets' outputs and (all but the last block) its downsampler's; mid last."""
    boc = list(unet_config["block_out_channels"])
    lpb = unet_config["layers_per_block"]
    if not isinstance(lpb, int):
        raise ExportError(f"layers_per_block {lpb!r} per block is not supported")
    out, factor = [(boc[0], 1)], 1
    for i, ch in enumerate(boc):
        out += [(ch, factor)] * lpb
        if i < len(boc) - 1:
            factor *= 2
            out.append((ch, factor))
    out.append((boc[-1], factor))
    return out


def _dim(name: str, factor: int) -> str:
    return name if factor == 1 else f"{name}_div{factor}"


def residual_axes(unet_config) -> dict[str, dict[int, str]]:
    layout = residual_layout(unet_config)
    names = residual_names(len(layout) - 1)
    return {n: {0: "batch_size", 2: _dim("height", f), 3: _dim("width", f)} for n, (_, f) in zip(names, layout, strict=True)}


def residual_tensors(unet_config, batch: int, h: int, w: int, dtype, gen: torch.Generator | None = None, zeros=False):
    out = []
    for ch, f in residual_layout(unet_config):
        shape = (batch, ch, math.ceil(h / f), math.ceil(w / f))
        out.append(torch.zeros(shape, dtype=dtype) if zeros else torch.randn(shape, generator=gen).to(dtype))
    return out


class UNetWithResiduals(torch.nn.Module):
    """diffusers' UNet2DConditionModel with down_block_additional_residuals / mid_block_additional_residual as
    plain tensor inputs (the ControlNet path of its forward). timestep is float32 whatever the U-Net's dtype."""

    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states, *residuals):
        return self.unet(
            sample,
            timestep,
            encoder_hidden_states,
            down_block_additional_residuals=tuple(residuals[:-1]),
            mid_block_additional_residual=residuals[-1],
            return_dict=False,
        )[0]


class ControlNetResiduals(torch.nn.Module):
    """diffusers' ControlNetModel returning its 13 residuals as a flat tuple (down..., mid), already multiplied
    by conditioning_scale (a float32 0-d tensor input)."""

    def __init__(self, controlnet):
        super().__init__()
        self.controlnet = controlnet

    def forward(self, sample, timestep, encoder_hidden_states, controlnet_cond, conditioning_scale):
        down, mid = self.controlnet(
            sample,
            timestep,
            encoder_hidden_states,
            controlnet_cond,
            conditioning_scale=conditioning_scale,
            guess_mode=False,
            return_dict=False,
        )
        return (*down, mid)


# ----------------------------------------------------------------------------------------------- helpers


def _quiet() -> None:
    from .fixtures import _quiet as q

    q()


def _ort(path: Path):
    from .determinism import ort_session

    return ort_session(path)


def resave_external(src: Path, dst: Path, location: str) -> None:
    """Load src (with any external data) and save it as dst with every initializer in one file `location`."""
    import onnx

    model = onnx.load(str(src), load_external_data=True)
    dst.parent.mkdir(parents=True, exist_ok=True)
    onnx.save_model(
        model,
        str(dst),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=location,
        size_threshold=0,
        convert_attribute=False,
    )


def write_config_json(obj, path: Path) -> None:
    """diffusers' own format (indent 2, sorted keys), without `_name_or_path` (a local path)."""
    cfg = {k: v for k, v in dict(obj).items() if k not in ("_name_or_path", "_use_default_values", "_ignore_files")}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def strip_name_or_path(path: Path) -> None:
    """Drop `_name_or_path` (the folder something was loaded from) from a saved JSON config, keeping the format."""
    text = path.read_text("utf-8")
    obj = json.loads(text)
    if "_name_or_path" in obj:
        del obj["_name_or_path"]
        path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def max_abs_diff(got: np.ndarray, ref: np.ndarray, fp16: bool, what: str, atol: float | None = None) -> float:
    if got.shape != tuple(ref.shape):
        raise ExportError(f"{what}: ONNX shape {got.shape} != PyTorch {tuple(ref.shape)}")
    if not np.isfinite(got).all():
        raise ExportError(f"{what}: non-finite ONNX output")
    d = float(np.abs(got.astype(np.float64) - ref.astype(np.float64)).max())
    tol = atol if atol is not None else (FP16_RTOL_OF_MAX * max(1.0, float(np.abs(ref).max())) if fp16 else FP32_ATOL)
    if not d <= tol:
        raise ExportError(f"{what}: max abs diff {d:.3g} against PyTorch exceeds {tol:.3g}")
    return d


def describe(path: Path) -> dict:
    s = _ort(path)
    io = lambda xs: [{"name": x.name, "type": x.type, "shape": list(x.shape)} for x in xs]  # noqa: E731
    return {"inputs": io(s.get_inputs()), "outputs": io(s.get_outputs())}


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


# ----------------------------------------------------------------------------------------------- loading


def is_single_file(src: Path) -> bool:
    return src.is_file() and src.suffix.lower() in (".safetensors", ".ckpt", ".pt", ".pth", ".bin")


def load_sd15(src: Path, config_dir: Path | None = None):
    """A StableDiffusionPipeline (float32, CPU) from a diffusers folder or a single-file checkpoint (needs a
    local config folder, see SINGLE_FILE_NEEDS_CONFIG). No safety checker or feature extractor is loaded."""
    from diffusers import StableDiffusionPipeline

    common = dict(safety_checker=None, feature_extractor=None, requires_safety_checker=False, torch_dtype=torch.float32, local_files_only=True)
    if src.is_dir():
        pipe = StableDiffusionPipeline.from_pretrained(str(src), **common)
    elif is_single_file(src):
        if config_dir is None:
            raise ExportError(SINGLE_FILE_NEEDS_CONFIG)
        pipe = StableDiffusionPipeline.from_single_file(str(src), config=str(config_dir), **common)
    else:
        raise ExportError(f"{src}: neither a diffusers folder nor a .safetensors/.ckpt file")
    pipe.set_progress_bar_config(disable=True)
    return pipe.to("cpu", torch.float32)


def load_controlnet(src: Path, config_dir: Path | None = None):
    """A ControlNetModel (float32, CPU) from a diffusers folder, a diffusers-format weights file next to a
    config (config_dir or the file's folder), or an original-format single file (from_single_file, config_dir)."""
    from diffusers import ControlNetModel

    if src.is_dir():
        cn = ControlNetModel.from_pretrained(str(src), torch_dtype=torch.float32, local_files_only=True)
    elif is_single_file(src):
        keys = _checkpoint_keys(src)
        if any(k.startswith("controlnet_cond_embedding.") for k in keys):  # diffusers' own key names
            cfg_dir = config_dir or src.parent
            if not (cfg_dir / "config.json").is_file():
                raise ExportError(f"{src} holds diffusers-format weights: pass --config-dir with its config.json")
            cn = ControlNetModel.from_config(ControlNetModel.load_config(str(cfg_dir), local_files_only=True))
            from diffusers.models.model_loading_utils import load_state_dict

            res = cn.load_state_dict(load_state_dict(str(src)), strict=False)
            if res.missing_keys or res.unexpected_keys:
                raise ExportError(f"{src}: keys do not match the config: missing {res.missing_keys[:5]}, "
                                  f"unexpected {res.unexpected_keys[:5]}")
        else:
            if config_dir is None:
                raise ExportError(SINGLE_FILE_NEEDS_CONFIG)
            cn = ControlNetModel.from_single_file(str(src), config=str(config_dir), torch_dtype=torch.float32, local_files_only=True)
    else:
        raise ExportError(f"{src}: neither a diffusers ControlNet folder nor a .safetensors file")
    return cn.to("cpu", torch.float32).eval()


def _checkpoint_keys(src: Path) -> list[str]:
    if src.suffix.lower() == ".safetensors":
        from safetensors import safe_open

        with safe_open(str(src), "pt") as f:
            return list(f.keys())
    sd = torch.load(str(src), map_location="cpu", weights_only=True)
    sd = sd.get("state_dict", sd)
    return list(sd)


# ----------------------------------------------------------------------------------------------- the U-Net


def _trace_shapes(config) -> tuple[int, int]:
    """Latent size to trace at: 8 x 8 (any multiple of 8 keeps diffusers' forward_upsample_size False)."""
    return 8, 8


def export_unet(unet, path: Path, scratch: Path, dtype=torch.float32) -> None:
    """torch.onnx.export (TorchScript) of UNetWithResiduals into path + path.name_data (all weights external)."""
    cfg = unet.config
    h, w = _trace_shapes(cfg)
    g = torch.Generator().manual_seed(0)
    batch = 2
    args = (
        torch.randn(batch, cfg.in_channels, h, w, generator=g).to(dtype),
        torch.tensor([981.0, 1.0], dtype=torch.float32),
        torch.randn(batch, 77, cfg.cross_attention_dim, generator=g).to(dtype),
        *residual_tensors(cfg, batch, h, w, dtype, g),
    )
    names = residual_names(len(args) - 4)
    axes = {
        "sample": {0: "batch_size", 2: "height", 3: "width"},
        "timestep": {0: "batch_size"},
        "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"},
        **residual_axes(cfg),
        "out_sample": {0: "batch_size", 2: "height", 3: "width"},
    }
    raw = scratch / "unet" / "model.onnx"
    raw.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            UNetWithResiduals(unet).eval(),
            args,
            raw.as_posix(),
            input_names=["sample", "timestep", "encoder_hidden_states", *names],
            output_names=["out_sample"],
            dynamic_axes=axes,
            do_constant_folding=True,
            opset_version=OPSET,
        )
    resave_external(raw, path, path.name + "_data")
    shutil.rmtree(raw.parent)


@torch.no_grad()
def verify_unet(unet, path: Path, fp16: bool, atol: float | None = None) -> dict:
    """The ONNX U-Net against PyTorch: zero residuals against the plain U-Net (no ControlNet), random
    residuals against the U-Net's ControlNet path; batch 2 at 8 x 8, batch 1 at 16 x 24, and a [1] timestep
    broadcast over batch 2."""
    cfg = unet.config
    sess = _ort(path)
    fdt = np.float16 if fp16 else np.float32
    names = residual_names(len(residual_layout(cfg)) - 1)
    g = torch.Generator().manual_seed(1234)
    diffs = {}
    for case, (batch, h, w, t) in {
        "b2_8x8": (2, 8, 8, [981.0, 1.5]),
        "b1_16x24": (1, 16, 24, [500.25]),
        "b2_8x8_t1": (2, 8, 8, [321.0]),
    }.items():
        x = torch.randn(batch, cfg.in_channels, h, w, generator=g)
        ts = torch.tensor(t, dtype=torch.float32)
        ehs = torch.randn(batch, 77, cfg.cross_attention_dim, generator=g)
        for kind in ("zeros", "random"):
            res = residual_tensors(cfg, batch, h, w, torch.float32, g, zeros=kind == "zeros")
            feeds = {"sample": _np(x).astype(fdt), "timestep": _np(ts), "encoder_hidden_states": _np(ehs).astype(fdt)}
            feeds.update({n: _np(r).astype(fdt) for n, r in zip(names, res, strict=True)})
            got = sess.run(None, feeds)[0]
            # PyTorch in float32 on the (rounded, for fp16) inputs
            ref_in = {k: torch.from_numpy(v.astype(np.float32)) for k, v in feeds.items()}
            if kind == "zeros":
                ref = unet(ref_in["sample"], ts, ref_in["encoder_hidden_states"]).sample
            else:
                ref = unet(
                    ref_in["sample"], ts, ref_in["encoder_hidden_states"],
                    down_block_additional_residuals=tuple(ref_in[n] for n in names[:-1]),
                    mid_block_additional_residual=ref_in[names[-1]],
                ).sample
            diffs[f"{case}_{kind}_residuals"] = max_abs_diff(got, _np(ref), fp16, f"unet {case} {kind} residuals", atol)
    return diffs


# ----------------------------------------------------------------------------------------------- sd15


def _optimum_parts(pipe, build: Path, float_dtype: str) -> None:
    """optimum's exporter for text_encoder, vae_encoder and vae_decoder (what onnx_export_from_model does for a
    diffusers pipeline, minus the U-Net) and the configs it writes: model_index.json and each model's config.json."""
    from optimum.exporters.onnx import export_models
    from optimum.exporters.utils import get_diffusion_models_for_export
    from optimum.utils import DEFAULT_DUMMY_SHAPES

    models = get_diffusion_models_for_export(pipe, int_dtype="int64", float_dtype=float_dtype, exporter="onnx")
    for name, (sub, _) in models.items():
        if hasattr(sub, "save_config"):
            sub.save_config(build / name)
        else:
            sub.config.save_pretrained(build / name)
        strip_name_or_path(build / name / "config.json")
    subset = {k: v for k, v in models.items() if k != "unet"}
    torch.manual_seed(0)  # optimum's dummy inputs come from torch's global RNG
    export_models(
        models_and_onnx_configs=subset,
        opset=OPSET,
        output_dir=build,
        output_names=[f"{k}/model.onnx" for k in subset],
        input_shapes=dict(DEFAULT_DUMMY_SHAPES),
        device="cpu",
        dtype=float_dtype if float_dtype == "fp16" else None,
        do_constant_folding=True,
    )
    pipe.save_config(build)
    strip_name_or_path(build / "model_index.json")


def _copy_or_save(pipe, src: Path | None, build: Path) -> dict:
    """tokenizer/ and scheduler/: the source folder's files byte for byte when there is one, else save_pretrained."""
    how = {}
    for name, obj in (("tokenizer", pipe.tokenizer), ("scheduler", pipe.scheduler)):
        dst = build / name
        shutil.rmtree(dst, ignore_errors=True)
        if src is not None and src.is_dir() and (src / name).is_dir():
            dst.mkdir(parents=True)
            for f in sorted((src / name).iterdir()):
                if f.is_file():
                    shutil.copyfile(f, dst / f.name)
            how[name] = f"copied from {name}/ of the source folder"
        else:
            obj.save_pretrained(str(dst))
            how[name] = f"{type(obj).__name__}.save_pretrained"
    return how


@torch.no_grad()
def _verify_optimum_parts(pipe, build: Path, fp16: bool, atol: float | None) -> dict:
    """text_encoder / vae_encoder / vae_decoder against PyTorch (fp32 reference; fp16 inputs rounded first)."""
    rng = np.random.default_rng(1234)
    ids = rng.integers(0, pipe.tokenizer.vocab_size, size=(2, 77)).astype(np.int32)
    ids[:, 0] = pipe.tokenizer.bos_token_id
    ids[0, 9:] = pipe.tokenizer.eos_token_id
    ids[1, 40:] = pipe.tokenizer.eos_token_id
    fdt = np.float16 if fp16 else np.float32
    lat_ch = pipe.vae.config.latent_channels
    img = rng.uniform(-1, 1, (1, pipe.vae.config.in_channels, 64, 64)).astype(fdt)
    lat = (rng.standard_normal((1, lat_ch, 8, 8)) / pipe.vae.config.scaling_factor).astype(fdt)
    f32 = lambda a: torch.from_numpy(a.astype(np.float32))  # noqa: E731
    out = {}
    te = pipe.text_encoder(torch.from_numpy(ids).long())
    got = _ort(build / "text_encoder" / "model.onnx").run(["last_hidden_state", "pooler_output"], {"input_ids": ids})
    out["text_encoder"] = [
        max_abs_diff(got[0], _np(te.last_hidden_state), fp16, "text_encoder last_hidden_state", atol),
        max_abs_diff(got[1], _np(te.pooler_output), fp16, "text_encoder pooler_output", atol),
    ]
    got = _ort(build / "vae_encoder" / "model.onnx").run(["latent_parameters"], {"sample": img})[0]
    out["vae_encoder"] = [max_abs_diff(got, _np(pipe.vae.encode(f32(img)).latent_dist.parameters), fp16, "vae_encoder", atol)]
    got = _ort(build / "vae_decoder" / "model.onnx").run(["sample"], {"latent_sample": lat})[0]
    out["vae_decoder"] = [max_abs_diff(got, _np(pipe.vae.decode(f32(lat)).sample), fp16, "vae_decoder", atol)]
    return out


def expected_unet_io(unet_config, fp16: bool) -> dict:
    f = "tensor(float16)" if fp16 else "tensor(float)"
    n = len(residual_layout(unet_config))
    return {
        "inputs": [("sample", f, 4), ("timestep", "tensor(float)", 1), ("encoder_hidden_states", f, 3)]
        + [(name, f, 4) for name in residual_names(n - 1)],
        "outputs": [("out_sample", f, 4)],
    }


def expected_controlnet_io(unet_config, fp16: bool) -> dict:
    f = "tensor(float16)" if fp16 else "tensor(float)"
    n = len(residual_layout(unet_config))
    return {
        "inputs": [("sample", f, 4), ("timestep", "tensor(float)", 1), ("encoder_hidden_states", f, 3),
                   ("controlnet_cond", f, 4), ("conditioning_scale", "tensor(float)", 0)],
        "outputs": [(name, f, 4) for name in residual_names(n - 1)],
    }


def check_io(path: Path, want: dict, what: str) -> dict:
    got = describe(path)
    for kind in ("inputs", "outputs"):
        g = [(x["name"], x["type"], len(x["shape"])) for x in got[kind]]
        if g != want[kind]:
            raise ExportError(f"{what} {kind}: got {g}, want {want[kind]}")
    return got


def build_sd15(pipe, build: Path, fp16: bool = False, source: Path | None = None, atol: float | None = None, log=print) -> dict:
    """Write the whole sd15 folder into `build` (must not exist) and check it. Returns the report."""
    import onnx

    build.mkdir(parents=True)
    scratch = Path(tempfile.mkdtemp(prefix="unet-", dir=build.parent))
    report: dict = {"fp16": fp16, "max_abs_diff": {}}
    try:
        ref = pipe
        exp = copy.deepcopy(pipe).to(torch.float16) if fp16 else pipe
        t = time.perf_counter()
        _optimum_parts(exp, build, "fp16" if fp16 else "fp32")
        report["tokenizer_scheduler"] = _copy_or_save(pipe, source, build)
        log(f"text_encoder, vae_encoder, vae_decoder exported ({time.perf_counter() - t:.1f}s)")
        t = time.perf_counter()
        export_unet(exp.unet, build / "unet" / "model.onnx", scratch, torch.float16 if fp16 else torch.float32)
        log(f"unet exported ({time.perf_counter() - t:.1f}s)")
        t = time.perf_counter()
        for comp in ("text_encoder", "unet", "vae_encoder", "vae_decoder"):
            onnx.checker.check_model(str(build / comp / "model.onnx"))
        report["io"] = {"unet": check_io(build / "unet" / "model.onnx", expected_unet_io(pipe.unet.config, fp16), "unet")}
        for comp in ("text_encoder", "vae_encoder", "vae_decoder"):
            report["io"][comp] = describe(build / comp / "model.onnx")
        report["max_abs_diff"].update(_verify_optimum_parts(ref, build, fp16, atol))
        report["max_abs_diff"]["unet"] = verify_unet(ref.unet, build / "unet" / "model.onnx", fp16, atol)
        log(f"checked against PyTorch ({time.perf_counter() - t:.1f}s): {json.dumps(report['max_abs_diff'])}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report


# ----------------------------------------------------------------------------------------------- controlnet


def export_controlnet_onnx(cn, path: Path, scratch: Path, dtype=torch.float32) -> None:
    cfg = cn.config
    g = torch.Generator().manual_seed(0)
    batch, h, w = 2, 8, 8
    args = (
        torch.randn(batch, cfg.in_channels, h, w, generator=g).to(dtype),
        torch.tensor([981.0, 1.0], dtype=torch.float32),
        torch.randn(batch, 77, cfg.cross_attention_dim, generator=g).to(dtype),
        torch.rand(batch, cfg.conditioning_channels, 8 * h, 8 * w, generator=g).to(dtype),
        torch.tensor(1.0, dtype=torch.float32),
    )
    names = residual_names(len(residual_layout(cfg)) - 1)
    axes = {
        "sample": {0: "batch_size", 2: "height", 3: "width"},
        "timestep": {0: "batch_size"},
        "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"},
        "controlnet_cond": {0: "batch_size", 2: "image_height", 3: "image_width"},
        **residual_axes(cfg),
    }
    raw = scratch / "controlnet" / "model.onnx"
    raw.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            ControlNetResiduals(cn).eval(),
            args,
            raw.as_posix(),
            input_names=["sample", "timestep", "encoder_hidden_states", "controlnet_cond", "conditioning_scale"],
            output_names=names,
            dynamic_axes=axes,
            do_constant_folding=True,
            opset_version=OPSET,
        )
    resave_external(raw, path, path.name + "_data")
    shutil.rmtree(raw.parent)


@torch.no_grad()
def verify_controlnet(cn, path: Path, fp16: bool, atol: float | None = None) -> dict:
    cfg = cn.config
    sess = _ort(path)
    fdt = np.float16 if fp16 else np.float32
    names = residual_names(len(residual_layout(cfg)) - 1)
    g = torch.Generator().manual_seed(4321)
    diffs = {}
    for case, (batch, h, w, t, scale) in {
        "b2_8x8_s1": (2, 8, 8, [981.0, 1.5], 1.0),
        "b1_16x24_s0.7": (1, 16, 24, [500.25], 0.7),
        "b2_8x8_t1_s0": (2, 8, 8, [321.0], 0.0),
    }.items():
        feeds = {
            "sample": _np(torch.randn(batch, cfg.in_channels, h, w, generator=g)).astype(fdt),
            "timestep": np.array(t, np.float32),
            "encoder_hidden_states": _np(torch.randn(batch, 77, cfg.cross_attention_dim, generator=g)).astype(fdt),
            "controlnet_cond": _np(torch.rand(batch, cfg.conditioning_channels, 8 * h, 8 * w, generator=g)).astype(fdt),
            "conditioning_scale": np.array(scale, np.float32),
        }
        got = sess.run(names, feeds)
        r = {k: torch.from_numpy(v.astype(np.float32)) for k, v in feeds.items()}
        down, mid = cn(r["sample"], r["timestep"], r["encoder_hidden_states"], r["controlnet_cond"],
                       conditioning_scale=scale, return_dict=False)
        diffs[case] = max(
            max_abs_diff(gv, _np(rv), fp16, f"controlnet {case} {n}", atol)
            for gv, rv, n in zip(got, (*down, mid), names, strict=True)
        )
    return diffs


def build_controlnet(cn, build: Path, fp16: bool = False, atol: float | None = None, log=print) -> dict:
    import onnx

    build.mkdir(parents=True)
    scratch = Path(tempfile.mkdtemp(prefix="controlnet-", dir=build.parent))
    report: dict = {"fp16": fp16}
    try:
        t = time.perf_counter()
        exp = copy.deepcopy(cn).to(torch.float16) if fp16 else cn
        export_controlnet_onnx(exp, build / "model.onnx", scratch, torch.float16 if fp16 else torch.float32)
        write_config_json(cn.config, build / "config.json")
        log(f"controlnet exported ({time.perf_counter() - t:.1f}s)")
        t = time.perf_counter()
        onnx.checker.check_model(str(build / "model.onnx"))
        report["io"] = check_io(build / "model.onnx", expected_controlnet_io(cn.config, fp16), "controlnet")
        report["max_abs_diff"] = verify_controlnet(cn, build / "model.onnx", fp16, atol)
        log(f"checked against PyTorch ({time.perf_counter() - t:.1f}s): {json.dumps(report['max_abs_diff'])}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report


# ----------------------------------------------------------------------------------------------- CLI


def atomic_build(out: Path, build_fn, overwrite: bool = False):
    """Run build_fn(tree) on a fresh folder next to `out`, then rename it to `out`. On any error nothing is
    left behind (and an existing `out` is untouched)."""
    out = out.resolve()
    if out.exists() and not overwrite:
        raise ExportError(f"{out} exists (pass --overwrite to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        result = build_fn(build / "tree")
        if out.exists():
            os.replace(out, build / "old")  # removed with the build folder below
        os.replace(build / "tree", out)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="kosmograph-export", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, what in (("sd15", "a diffusers SD1.5 folder or a single-file .safetensors/.ckpt"),
                       ("controlnet", "a diffusers ControlNet folder or a .safetensors file")):
        p = sub.add_parser(name, help=f"export {what}")
        p.add_argument("src", type=Path, help=what)
        p.add_argument("--out", type=Path, required=True, help="folder to write (must not exist unless --overwrite)")
        p.add_argument("--fp16", action="store_true", help="export float16 weights and float inputs/outputs")
        p.add_argument("--config-dir", type=Path, help="diffusers folder with the configs a single-file checkpoint needs")
        p.add_argument("--overwrite", action="store_true", help="replace an existing --out (only once all checks pass)")
        p.add_argument("--atol", type=float, help="max abs diff allowed against PyTorch (default 1e-4 fp32, 2%% of max fp16)")
        p.add_argument("--report", type=Path, help="also write the models' I/O and max abs diffs as JSON here")
    from .kosmos_g_export import KosmosGExportError, add_subcommand, run_subcommand

    add_subcommand(sub)
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _quiet()
    from .determinism import deterministic

    deterministic()
    log = lambda m: print(f"kosmograph-export: {m}", file=sys.stderr, flush=True)  # noqa: E731
    t0 = time.perf_counter()
    try:
        if args.out.exists() and not args.overwrite:  # before the (long) load; atomic_build checks again
            raise ExportError(f"{args.out.resolve()} exists (pass --overwrite to replace it)")
        if args.cmd == "kosmos-g":
            report = run_subcommand(args, log)
        elif args.cmd == "sd15":
            pipe = load_sd15(args.src, args.config_dir)
            log(f"loaded {args.src} ({time.perf_counter() - t0:.1f}s)")
            # tokenizer/ and scheduler/ verbatim from the folder the configs came from
            source = args.src if args.src.is_dir() else args.config_dir
            report = atomic_build(args.out, lambda b: build_sd15(pipe, b, args.fp16, source, args.atol, log), args.overwrite)
        else:
            cn = load_controlnet(args.src, args.config_dir)
            log(f"loaded {args.src} ({time.perf_counter() - t0:.1f}s)")
            report = atomic_build(args.out, lambda b: build_controlnet(cn, b, args.fp16, args.atol, log), args.overwrite)
    except (ExportError, KosmosGExportError) as e:
        log(f"error: {e}")
        return 2
    if args.report:
        args.report.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log(f"wrote {args.out.resolve()} ({time.perf_counter() - t0:.1f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
