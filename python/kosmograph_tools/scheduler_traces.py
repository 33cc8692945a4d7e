"""Reference traces of diffusers' schedulers for the TypeScript ports in src/diffusion/diffusers/.

For a handful of scheduler configs (SD1.5's own plus variants) and each of the five schedulers
the TS side offers (ddim, pndm, euler, dpmpp_2m, dpmpp_2m_karras) at several step counts, this
records what the real diffusers computes: timesteps, sigmas, init_noise_sigma, and a complete
deterministic run of the pipeline loop (scale_model_input -> toy model -> step) with a fixed
initial sample, plus img2img runs (add_noise at the start index, then the tail of the loop).

The toy "model" is eps(x, t)[k] = 0.3 * x[k] * sin(t / 100) + 0.1 * cos(t / 50 + k), evaluated
in float64 from the float32 model input and cast to float32 (the TS test does the same).

Run from python/:
    /root/.cache/kosmograph/py311/bin/python -m kosmograph_tools.scheduler_traces \
        --out ../test/fixtures/schedulers/traces.json

Output is byte-reproducible: keys sorted, float32 values written as numpy's shortest
round-trip text for float32, float64 values as Python's repr. (On another CPU the last float32
bit of some values may differ: torch's float32 sqrt/log/exp (MKL) and numpy's SIMD float32 log
are not correctly rounded, and which kernels run depends on the CPU.)
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import torch

SD15_CONFIG: dict = {
    "_class_name": "PNDMScheduler",
    "_diffusers_version": "0.6.0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "num_train_timesteps": 1000,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "trained_betas": None,
    "clip_sample": False,
}

ALL = ("ddim", "pndm", "euler", "dpmpp_2m", "dpmpp_2m_karras")
DPM = ("dpmpp_2m", "dpmpp_2m_karras")

# name -> (overrides on top of SD1.5's config, schedulers that run it)
VARIANTS: dict[str, tuple[dict, tuple[str, ...]]] = {
    "sd15": ({}, ALL),
    "sd15_v": ({"prediction_type": "v_prediction"}, ALL),
    "sd15_trailing": ({"timestep_spacing": "trailing"}, ALL),
    "sd15_clip": ({"clip_sample": True}, ("ddim",)),
    "sd15_clip_range": ({"clip_sample": True, "clip_sample_range": 1.5}, ("ddim",)),
    "sd15_linspace": ({"timestep_spacing": "linspace"}, ("ddim", "pndm")),
    "sd15_leading": ({"timestep_spacing": "leading"}, ("euler", "dpmpp_2m", "dpmpp_2m_karras")),
    "sd15_sample": ({"prediction_type": "sample"}, ("ddim", "euler", "dpmpp_2m")),
    "sd15_prk": ({"skip_prk_steps": False}, ("pndm",)),
    "sd15_alpha_one": ({"set_alpha_to_one": True}, ("ddim", "pndm")),
    "linear": (
        {"beta_schedule": "linear", "beta_start": 0.0001, "beta_end": 0.02, "steps_offset": 0},
        ALL,
    ),
    # not dpmpp_2m_karras: its Karras timesteps start 999, 999, ... and diffusers' step index lookup
    # (second match of a repeated timestep) then runs off the end of the sigmas
    "cosine": ({"beta_schedule": "squaredcos_cap_v2"}, ("ddim", "pndm", "euler", "dpmpp_2m")),
    "euler_karras": ({"use_karras_sigmas": True}, ("euler",)),
    "sigma_min_final": ({"final_sigmas_type": "sigma_min"}, ("euler", "dpmpp_2m", "dpmpp_2m_karras")),
    "dpm_order1": ({"solver_order": 1}, DPM),
    "dpm_heun": ({"solver_type": "heun"}, DPM),
    "dpm_no_lower_final": ({"lower_order_final": False}, DPM),
    "dpm_no_lower_final_sigma_min": ({"lower_order_final": False, "final_sigmas_type": "sigma_min"}, DPM),
    "dpm_euler_final": ({"euler_at_final": True, "final_sigmas_type": "sigma_min"}, DPM),
    "dpm_lambda_clip": ({"lambda_min_clipped": -5.1}, DPM),
}

# schedules only (no run): diffusers cannot step these (see "cosine" above)
SCHEDULE_ONLY: dict[str, tuple[dict, tuple[str, ...]]] = {
    "cosine": ({"beta_schedule": "squaredcos_cap_v2"}, ("dpmpp_2m_karras",)),
}

STEPS = (1, 2, 10, 25)
# diffusers' PRK warm-up needs at least 4 inference steps (set_timesteps fails below that)
STEPS_FOR = {"sd15_prk": (4, 5, 10, 25)}
IMG2IMG = ((10, 0.6), (25, 0.3), (2, 0.75))
SAMPLE_SIZE = 8


def f32(x) -> np.float32:
    return np.float32(x)


class F32List:
    """A list of float32 values, written with numpy's shortest float32 text."""

    def __init__(self, values):
        self.values = [f32(v) for v in np.asarray(values, dtype=np.float32).reshape(-1)]


class F32:
    def __init__(self, value):
        self.value = f32(value)


def _num32(v: np.float32) -> str:
    if not np.isfinite(v):
        raise ValueError(f"non-finite value {v}")
    return str(v)


def dump(obj, indent: int = 0) -> str:
    pad = " " * indent
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        if all(isinstance(v, F32List) for v in obj.values()):  # one line per step record
            return "{" + ",".join(f'"{k}":{dump(obj[k])}' for k in sorted(obj)) + "}"
        items = [f'{pad} "{k}": {dump(obj[k], indent + 1)}' for k in sorted(obj)]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, F32List):
        return "[" + ",".join(_num32(v) for v in obj.values) + "]"
    if isinstance(obj, F32):
        return _num32(obj.value)
    if isinstance(obj, bool) or obj is None:
        return {True: "true", False: "false", None: "null"}[obj]
    if isinstance(obj, int):
        return str(obj)
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError(f"non-finite value {obj}")
        return repr(obj)
    if isinstance(obj, str):
        return '"' + obj.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(obj, (list, tuple)):
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in obj):
            return "[" + ",".join(dump(v) for v in obj) + "]"
        return "[\n" + ",\n".join(f"{pad} {dump(v, indent + 1)}" for v in obj) + "\n" + pad + "]"
    raise TypeError(f"cannot write {type(obj)}")


def make_scheduler(name: str, config: dict):
    from diffusers import DDIMScheduler, DPMSolverMultistepScheduler, EulerDiscreteScheduler, PNDMScheduler

    if name == "ddim":
        return DDIMScheduler.from_config(config)
    if name == "pndm":
        return PNDMScheduler.from_config(config)
    if name == "euler":
        return EulerDiscreteScheduler.from_config(config)
    if name == "dpmpp_2m":
        return DPMSolverMultistepScheduler.from_config(config)
    if name == "dpmpp_2m_karras":
        return DPMSolverMultistepScheduler.from_config(config, use_karras_sigmas=True)
    raise ValueError(name)


def unit_noise() -> torch.Tensor:
    k = np.arange(SAMPLE_SIZE, dtype=np.float64)
    return torch.from_numpy((np.sin(1.3 * k + 0.5) * (1.0 + 0.2 * k)).astype(np.float32))


def original_latent() -> torch.Tensor:
    k = np.arange(SAMPLE_SIZE, dtype=np.float64)
    return torch.from_numpy((0.8 * np.cos(0.7 * k) - 0.1).astype(np.float32))


def toy_model(x: torch.Tensor, t) -> torch.Tensor:
    tt = float(t)
    xs = x.numpy().astype(np.float64)
    k = np.arange(xs.shape[0], dtype=np.float64)
    eps = 0.3 * xs * math.sin(tt / 100.0) + 0.1 * np.cos(tt / 50.0 + k)
    return torch.from_numpy(eps.astype(np.float32))


def run_loop(sched, name: str, latents: torch.Tensor, timesteps) -> tuple[torch.Tensor, list]:
    steps = []
    for t in timesteps:
        model_in = sched.scale_model_input(latents, t)
        eps = toy_model(model_in, t)
        out = sched.step(eps, t, latents)
        rec = {"prev_sample": F32List(out.prev_sample)}
        pred = getattr(out, "pred_original_sample", None)
        if pred is None and name in DPM:
            pred = sched.model_outputs[-1]  # dpmsolver++: the converted output is the x0 estimate
        if pred is not None:
            rec["pred_original"] = F32List(pred)
        steps.append(rec)
        latents = out.prev_sample
    return latents, steps


def schedule_record(sched, name: str) -> dict:
    rec: dict = {
        "timesteps": [float(t) if sched.timesteps.is_floating_point() else int(t) for t in sched.timesteps],
        "init_noise_sigma": float(sched.init_noise_sigma),
        "order": int(sched.order),
    }
    if name == "euler" or name in DPM:
        rec["sigmas"] = F32List(sched.sigmas)
    return rec


def trace_case(name: str, config: dict, steps: int, per_step: bool = True) -> dict:
    sched = make_scheduler(name, config)
    sched.set_timesteps(steps)
    rec = schedule_record(sched, name)
    latents = unit_noise() * sched.init_noise_sigma
    final, records = run_loop(sched, name, latents, sched.timesteps)
    if per_step:
        rec["steps"] = records
    rec["final"] = F32List(final)
    return rec


def img2img_case(name: str, config: dict, steps: int, strength: float) -> dict:
    sched = make_scheduler(name, config)
    sched.set_timesteps(steps)
    # StableDiffusionImg2ImgPipeline.get_timesteps
    init_timestep = min(int(steps * strength), steps)
    t_start = max(steps - init_timestep, 0)
    start = t_start * sched.order
    timesteps = sched.timesteps[start:]
    if hasattr(sched, "set_begin_index"):
        sched.set_begin_index(start)
    noised = sched.add_noise(original_latent(), unit_noise(), timesteps[:1])
    final, _ = run_loop(sched, name, noised, timesteps)
    return {
        "steps": steps,
        "strength": strength,
        "start_index": start,
        "noised": F32List(noised),
        "final": F32List(final),
    }


def alphas_cumprod_tables() -> dict:
    from diffusers import DDIMScheduler

    out = {}
    for key, cfg in {
        "scaled_linear": {"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012},
        "linear": {"beta_schedule": "linear", "beta_start": 0.0001, "beta_end": 0.02},
        "squaredcos_cap_v2": {"beta_schedule": "squaredcos_cap_v2"},
    }.items():
        s = DDIMScheduler(**cfg)
        out[key] = {"config": cfg, "alphas_cumprod": F32List(s.alphas_cumprod)}
    return out


def build() -> dict:
    import diffusers

    torch.set_num_threads(1)
    cases = []
    for variant, (overrides, names) in VARIANTS.items():
        config = {**SD15_CONFIG, **overrides}
        for name in names:
            # per-step records for every SD1.5 run and for short runs of the variants (size)
            runs = {
                str(n): trace_case(name, config, n, per_step=variant == "sd15" or n <= 10)
                for n in STEPS_FOR.get(variant, STEPS)
            }
            img = [img2img_case(name, config, n, s) for n, s in IMG2IMG] if variant == "sd15" else []
            case = {"variant": variant, "scheduler": name, "config": config, "runs": runs}
            if img:
                case["img2img"] = img
            cases.append(case)
    schedules = []
    for variant, (overrides, names) in SCHEDULE_ONLY.items():
        config = {**SD15_CONFIG, **overrides}
        for name in names:
            runs = {}
            for n in STEPS:
                sched = make_scheduler(name, config)
                sched.set_timesteps(n)
                runs[str(n)] = schedule_record(sched, name)
            schedules.append({"variant": variant, "scheduler": name, "config": config, "runs": runs})
    return {
        "schedules": schedules,
        "about": "diffusers scheduler reference traces; made by python/kosmograph_tools/scheduler_traces.py",
        "versions": {
            "diffusers": diffusers.__version__,
            "torch": torch.__version__.split("+")[0],
            "numpy": np.__version__,
        },
        "model": "eps(x,t)[k] = f32(0.3*x[k]*sin(t/100) + 0.1*cos(t/50+k)) on the scaled model input",
        "unit_noise": F32List(unit_noise()),
        "original": F32List(original_latent()),
        "tables": alphas_cumprod_tables(),
        "cases": cases,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    text = dump(build()) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode('utf-8'))} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
