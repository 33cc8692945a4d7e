"""A diffusers SD1.5 pipeline as an original (CompVis / LDM) single-file checkpoint, for testing
`kosmograph-export sd15 model.safetensors --config-dir ...` offline (diffusers' from_single_file reads this
layout: `model.diffusion_model.*`, `first_stage_model.*`, `cond_stage_model.transformer.*`).

Only SD1.5's topology (4 down / up blocks, 2 layers per U-Net block, attention in the first three down and
last three up blocks, one mid attention); the widths and the VAE's layers_per_block may differ.
"""

from __future__ import annotations

from pathlib import Path

import torch

_RESNET = (("norm1", "in_layers.0"), ("conv1", "in_layers.2"), ("time_emb_proj", "emb_layers.1"),
           ("norm2", "out_layers.0"), ("conv2", "out_layers.3"), ("conv_shortcut", "skip_connection"))


def _unet_prefixes() -> list[tuple[str, str, bool]]:
    """(diffusers prefix, LDM prefix, is_resnet)."""
    p = [("time_embedding.linear_1.", "time_embed.0.", False), ("time_embedding.linear_2.", "time_embed.2.", False),
         ("conv_in.", "input_blocks.0.0.", False), ("conv_norm_out.", "out.0.", False), ("conv_out.", "out.2.", False),
         ("mid_block.resnets.0.", "middle_block.0.", True), ("mid_block.attentions.0.", "middle_block.1.", False),
         ("mid_block.resnets.1.", "middle_block.2.", True)]
    for i in range(4):
        for j in range(2):
            p.append((f"down_blocks.{i}.resnets.{j}.", f"input_blocks.{3 * i + j + 1}.0.", True))
            if i < 3:
                p.append((f"down_blocks.{i}.attentions.{j}.", f"input_blocks.{3 * i + j + 1}.1.", False))
        if i < 3:
            p.append((f"down_blocks.{i}.downsamplers.0.conv.", f"input_blocks.{3 * (i + 1)}.0.op.", False))
        for j in range(3):
            p.append((f"up_blocks.{i}.resnets.{j}.", f"output_blocks.{3 * i + j}.0.", True))
            if i > 0:
                p.append((f"up_blocks.{i}.attentions.{j}.", f"output_blocks.{3 * i + j}.1.", False))
        if i < 3:
            p.append((f"up_blocks.{i}.upsamplers.0.", f"output_blocks.{3 * i + 2}.{1 if i == 0 else 2}.", False))
    return p


def unet_to_ldm(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    prefixes = _unet_prefixes()
    out = {}
    for k, v in sd.items():
        for hf, ldm, is_res in prefixes:
            if k.startswith(hf):
                rest = k[len(hf):]
                if is_res:
                    for a, b in _RESNET:
                        if rest.startswith(a + "."):
                            rest = b + rest[len(a):]
                            break
                out["model.diffusion_model." + ldm + rest] = v
                break
        else:
            raise KeyError(f"U-Net key {k} has no LDM name")
    return out


def vae_to_ldm(sd: dict[str, torch.Tensor], n_blocks: int = 4) -> dict[str, torch.Tensor]:
    out = {}
    for k, v in sd.items():
        n = k
        for part in ("encoder", "decoder"):
            n = n.replace(f"{part}.conv_norm_out.", f"{part}.norm_out.")
            n = n.replace(f"{part}.mid_block.resnets.0.", f"{part}.mid.block_1.")
            n = n.replace(f"{part}.mid_block.resnets.1.", f"{part}.mid.block_2.")
        for i in range(n_blocks):
            n = n.replace(f"encoder.down_blocks.{i}.resnets.", f"encoder.down.{i}.block.")
            n = n.replace(f"encoder.down_blocks.{i}.downsamplers.0.", f"encoder.down.{i}.downsample.")
            n = n.replace(f"decoder.up_blocks.{i}.resnets.", f"decoder.up.{n_blocks - 1 - i}.block.")
            n = n.replace(f"decoder.up_blocks.{i}.upsamplers.0.", f"decoder.up.{n_blocks - 1 - i}.upsample.")
        n = n.replace(".conv_shortcut.", ".nin_shortcut.")
        if ".mid_block.attentions.0." in n:
            n = n.replace(".mid_block.attentions.0.", ".mid.attn_1.")
            for a, b in (("group_norm.", "norm."), ("to_q.", "q."), ("to_k.", "k."), ("to_v.", "v."), ("to_out.0.", "proj_out.")):
                n = n.replace(".attn_1." + a, ".attn_1." + b)
            if n.endswith("weight") and v.ndim == 2:
                v = v.reshape(*v.shape, 1, 1)  # LDM's attention projections are 1 x 1 convs
        out["first_stage_model." + n] = v
    return out


def pipeline_to_ldm(pipe) -> dict[str, torch.Tensor]:
    cfg = pipe.unet.config
    if (tuple(cfg.down_block_types), cfg.layers_per_block) != (
        ("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"), 2
    ):
        raise ValueError("only SD1.5's U-Net topology is supported")
    sd = unet_to_ldm(pipe.unet.state_dict())
    sd.update(vae_to_ldm(pipe.vae.state_dict(), len(pipe.vae.config.down_block_types)))
    sd.update({"cond_stage_model.transformer." + k: v for k, v in pipe.text_encoder.state_dict().items()})
    return {k: v.detach().contiguous().clone() for k, v in sd.items()}


def save_single_file(pipe, path: Path) -> Path:
    """`.safetensors` (flat) or `.ckpt` ({"state_dict": ...}, torch.save)."""
    sd = pipeline_to_ldm(pipe)
    if path.suffix == ".safetensors":
        from safetensors.torch import save_file

        save_file(sd, str(path))
    else:
        torch.save({"state_dict": sd}, str(path))
    return path


def controlnet_to_ldm(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A diffusers ControlNetModel (SD1.5 topology) in the original ControlNet layout (`control_model.*`:
    the U-Net encoder's names, input_hint_block.{0, 2, ..., 14}, zero_convs.{i}.0, middle_block_out.0)."""
    rest, out = {}, {}
    for k, v in sd.items():
        if k.startswith("controlnet_cond_embedding."):
            sub = k[len("controlnet_cond_embedding."):]
            name, param = sub.rsplit(".", 1)
            if name == "conv_in":
                idx = 0
            elif name == "conv_out":
                idx = 14
            else:
                idx = 2 * (int(name.split(".")[1]) + 1)
            out[f"control_model.input_hint_block.{idx}.{param}"] = v
        elif k.startswith("controlnet_down_blocks."):
            i, param = k[len("controlnet_down_blocks."):].split(".")
            out[f"control_model.zero_convs.{i}.0.{param}"] = v
        elif k.startswith("controlnet_mid_block."):
            out[f"control_model.middle_block_out.0.{k.rsplit('.', 1)[1]}"] = v
        else:
            rest[k] = v
    out.update({"control_model." + k[len("model.diffusion_model."):]: v for k, v in unet_to_ldm(rest).items()})
    return {k: v.detach().contiguous().clone() for k, v in out.items()}
