"""A tiny Stable Diffusion 1.5: SD1.5's topology and interfaces, random weights from fixed seeds.

Widths are cut down from the brief's (32, 64, 64, 64) U-Net so that the whole fixture tree
(three ONNX layouts, one of them fp16) stays under 30 MB: the 49,408 x 32 token embedding
alone is 6.3 MB per fp32 copy. See python/README.md, "Sizes".
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from .determinism import deterministic
from .tokenizer_files import load_tokenizer, write_tokenizer

# runwayml/stable-diffusion-v1-5 scheduler/scheduler_config.json, byte for byte.
SD15_SCHEDULER_CONFIG_TEXT = """{
  "_class_name": "PNDMScheduler",
  "_diffusers_version": "0.6.0",
  "beta_end": 0.012,
  "beta_schedule": "scaled_linear",
  "beta_start": 0.00085,
  "num_train_timesteps": 1000,
  "set_alpha_to_one": false,
  "skip_prk_steps": true,
  "steps_offset": 1,
  "trained_betas": null,
  "clip_sample": false
}
"""

UNET_CONFIG = dict(
    sample_size=8,
    in_channels=4,
    out_channels=4,
    down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
    block_out_channels=(8, 16, 16, 16),
    layers_per_block=2,
    norm_num_groups=8,
    attention_head_dim=8,
    cross_attention_dim=32,
)

TEXT_ENCODER_CONFIG = dict(
    vocab_size=49408,
    hidden_size=32,
    intermediate_size=37,
    num_hidden_layers=2,
    num_attention_heads=4,
    max_position_embeddings=77,
    hidden_act="quick_gelu",
    # SD1.5's text_encoder/config.json keeps CLIP's legacy ids (eos 2), so the pooler takes the
    # argmax of the ids (49407 is the largest) rather than searching for eos.
    bos_token_id=0,
    eos_token_id=2,
    pad_token_id=1,
    projection_dim=32,
)

VAE_CONFIG = dict(
    in_channels=3,
    out_channels=3,
    down_block_types=("DownEncoderBlock2D",) * 4,
    up_block_types=("UpDecoderBlock2D",) * 4,
    block_out_channels=(16, 16, 16, 16),
    layers_per_block=1,
    norm_num_groups=16,
    latent_channels=4,
    sample_size=64,
    scaling_factor=0.18215,
)


def write_scheduler_config(dst_dir: Path) -> None:
    dst_dir.mkdir(parents=True, exist_ok=True)
    (dst_dir / "scheduler_config.json").write_text(SD15_SCHEDULER_CONFIG_TEXT, encoding="utf-8")


def make_scheduler():
    from diffusers import PNDMScheduler

    return PNDMScheduler.from_config(json.loads(SD15_SCHEDULER_CONFIG_TEXT))


def _scale_(module: torch.nn.Module, name_part: str, factor: float) -> None:
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name_part in name:
                p.mul_(factor)


def make_unet():
    from diffusers import UNet2DConditionModel

    torch.manual_seed(0)
    unet = UNet2DConditionModel(**UNET_CONFIG)
    return unet.eval()


def make_text_encoder():
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(0)
    te = CLIPTextModel(CLIPTextConfig(**TEXT_ENCODER_CONFIG))
    return te.eval()


def make_vae():
    from diffusers import AutoencoderKL

    torch.manual_seed(0)
    vae = AutoencoderKL(**VAE_CONFIG)
    return vae.eval()


def make_pipeline(tokenizer_dir: Path):
    """The tiny StableDiffusionPipeline (float32, CPU). tokenizer_dir must hold the real CLIP files."""
    from diffusers import StableDiffusionPipeline

    deterministic()
    if not (tokenizer_dir / "vocab.json").exists():
        write_tokenizer(tokenizer_dir)
    pipe = StableDiffusionPipeline(
        vae=make_vae(),
        text_encoder=make_text_encoder(),
        tokenizer=load_tokenizer(tokenizer_dir),
        unet=make_unet(),
        scheduler=make_scheduler(),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe.to("cpu", torch.float32)
