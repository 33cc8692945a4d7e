"""Random rank-4 LoRAs for the tiny SD1.5 U-Net and text encoder, in kohya's and in diffusers'/PEFT's naming.

Both are made with PEFT: `add_adapter(LoraConfig(..., init_lora_weights=False))` after a fixed seed (so lora_A
and lora_B keep torch's default init and lora_B is not zero), then `get_peft_model_state_dict`.

- lora-peft.safetensors: `StableDiffusionPipeline.save_lora_weights(unet_lora_layers=...,
  text_encoder_lora_layers=...)`, i.e. `unet.<module>.lora_A.weight` / `.lora_B.weight` and
  `text_encoder.<module>...`, float32, lora_alpha = rank (diffusers stores no alpha in this format and loads
  it as alpha = rank, scale 1).
- lora-kohya.safetensors: the same kind of adapter (another seed) renamed as kohya's sd-scripts write it:
  `lora_unet_<module path with _>.lora_down.weight` (= lora_A), `.lora_up.weight` (= lora_B), `.alpha`
  (0-d), `lora_te_<module path with _>...` for the text encoder; float16 like sd-scripts' usual
  `--save_precision fp16`; alpha 2 with rank 4 (scale alpha / rank = 0.5). Conv layers (LoCon: resnets'
  conv1/conv2/conv_shortcut, down/upsamplers, the transformers' 1 x 1 proj_in/proj_out) have
  lora_down [rank, in, kh, kw] and lora_up [out, rank, 1, 1].
"""

from __future__ import annotations

import re
from pathlib import Path

import torch

RANK = 4
KOHYA_ALPHA = 2.0
PEFT_SEED = 2
KOHYA_SEED = 1
KOHYA_FILE = "lora-kohya.safetensors"
PEFT_FILE = "lora-peft.safetensors"
KOHYA_METADATA = {
    "ss_network_module": "networks.lora",
    "ss_network_dim": str(RANK),
    "ss_network_alpha": str(KOHYA_ALPHA),
    "kosmograph": "random test LoRA for the tiny SD1.5 in test/fixtures/sd15 (made by kosmograph_tools.lora_files)",
}

# Modules (regexes, full match on the module path) that kohya's LoRA + LoCon training touches in an SD1.5 U-Net:
# everything inside the transformer blocks plus the resnets and the resamplers; and the text encoder's
# attention and MLP projections.
UNET_TARGETS = (
    r".*attentions\.\d+\.(proj_in|proj_out)"
    r"|.*transformer_blocks\.\d+\.(attn1|attn2)\.(to_q|to_k|to_v|to_out\.0)"
    r"|.*transformer_blocks\.\d+\.ff\.net\.(0\.proj|2)"
    r"|.*resnets\.\d+\.(conv1|conv2|conv_shortcut|time_emb_proj)"
    r"|.*(downsamplers|upsamplers)\.0\.conv"
)
TEXT_ENCODER_TARGETS = r".*layers\.\d+\.(self_attn\.(q_proj|k_proj|v_proj|out_proj)|mlp\.(fc1|fc2))"


def _random_adapter(unet, text_encoder, seed: int, alpha: float):
    """Add a PEFT LoRA adapter with random A and B to both models; returns their PEFT state dicts."""
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    torch.manual_seed(seed)
    unet.add_adapter(LoraConfig(r=RANK, lora_alpha=alpha, init_lora_weights=False, target_modules=UNET_TARGETS))
    torch.manual_seed(seed + 1000)
    text_encoder.add_adapter(LoraConfig(r=RANK, lora_alpha=alpha, init_lora_weights=False, target_modules=TEXT_ENCODER_TARGETS))
    return get_peft_model_state_dict(unet), get_peft_model_state_dict(text_encoder)


def write_peft_lora(make_pipeline, out_dir: Path) -> Path:
    """lora-peft.safetensors via diffusers' save_lora_weights."""
    from diffusers import StableDiffusionPipeline

    pipe = make_pipeline()
    unet_sd, te_sd = _random_adapter(pipe.unet, pipe.text_encoder, PEFT_SEED, float(RANK))
    StableDiffusionPipeline.save_lora_weights(
        save_directory=str(out_dir),
        unet_lora_layers=unet_sd,
        text_encoder_lora_layers=te_sd,
        weight_name=PEFT_FILE,
        safe_serialization=True,
    )
    return out_dir / PEFT_FILE


def kohya_name(prefix: str, module: str) -> str:
    return f"{prefix}_{module.replace('.', '_')}"


def peft_to_kohya(state: dict[str, torch.Tensor], prefix: str, alpha: float, dtype=torch.float16) -> dict[str, torch.Tensor]:
    out = {}
    for key, t in state.items():
        m = re.fullmatch(r"(.+)\.lora_([AB])\.weight", key)
        if not m:
            raise ValueError(f"unexpected PEFT key {key}")
        name = kohya_name(prefix, m.group(1))
        out[f"{name}.lora_{'down' if m.group(2) == 'A' else 'up'}.weight"] = t.detach().to(dtype).contiguous()
        out[f"{name}.alpha"] = torch.tensor(alpha, dtype=dtype)
    return out


def save_safetensors_sorted_metadata(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str]) -> None:
    """safetensors' own serialisation (tensor data layout, offsets), with the header's keys sorted: the library
    writes `__metadata__` from a hash map, so its order (and the file's bytes) changes from one process to the
    next. `__metadata__` first, then the tensor entries by name."""
    import json
    import struct

    from safetensors.torch import save

    data = save(tensors, metadata=metadata)
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + n])
    meta = dict(sorted(header.pop("__metadata__").items()))
    header = {"__metadata__": meta, **dict(sorted(header.items()))}
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + data[8 + n :])


def write_kohya_lora(make_pipeline, out_dir: Path) -> Path:
    pipe = make_pipeline()
    unet_sd, te_sd = _random_adapter(pipe.unet, pipe.text_encoder, KOHYA_SEED, KOHYA_ALPHA)
    tensors = {**peft_to_kohya(unet_sd, "lora_unet", KOHYA_ALPHA), **peft_to_kohya(te_sd, "lora_te", KOHYA_ALPHA)}
    path = out_dir / KOHYA_FILE
    save_safetensors_sorted_metadata(tensors, path, KOHYA_METADATA)
    return path


def lora_modules(path: Path) -> dict[str, dict]:
    """module key (as in the file, without the .lora_* suffix) -> {down, up, alpha (or None), component,
    module (the diffusers module path)} for either naming."""
    from safetensors.torch import load_file

    sd = load_file(str(path))
    mods: dict[str, dict] = {}
    for key, t in sd.items():
        m = re.fullmatch(r"(lora_unet|lora_te)_(.+)\.(lora_down\.weight|lora_up\.weight|alpha)", key)
        if m:
            base = f"{m.group(1)}_{m.group(2)}"
            part = {"lora_down.weight": "down", "lora_up.weight": "up", "alpha": "alpha"}[m.group(3)]
            comp = "unet" if m.group(1) == "lora_unet" else "text_encoder"
        else:
            m = re.fullmatch(r"(unet|text_encoder)\.(.+)\.lora_([AB])\.weight", key)
            if not m:
                raise ValueError(f"unknown LoRA key {key}")
            base, part, comp = f"{m.group(1)}.{m.group(2)}", "down" if m.group(3) == "A" else "up", m.group(1)
        mods.setdefault(base, {"alpha": None, "component": comp})[part] = t
    return mods


def resolve_module(model: torch.nn.Module, component: str, base: str) -> str:
    """The diffusers module path of a LoRA entry (kohya names lose their dots, so match against the model)."""
    if base.startswith(("unet.", "text_encoder.")):
        return base.split(".", 1)[1]
    flat = base.split("_", 2)[2] if base.startswith("lora_unet_") else base[len("lora_te_"):]
    for name, _ in model.named_modules():
        if name.replace(".", "_") == flat:
            return name
    raise KeyError(f"{base}: no module of the {component} matches")


def expected_delta(down: torch.Tensor, up: torch.Tensor, alpha: float | None, scale: float) -> torch.Tensor:
    """scale * alpha / rank * up @ down, shaped like the weight (conv: [out, in, kh, kw])."""
    rank = down.shape[0]
    a = float(alpha) if alpha is not None else float(rank)
    d = up.to(torch.float64).flatten(1) @ down.to(torch.float64).flatten(1)
    shape = (up.shape[0], *down.shape[1:])
    return (scale * a / rank * d).reshape(shape)
