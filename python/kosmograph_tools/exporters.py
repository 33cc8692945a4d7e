"""The three ONNX layouts of the tiny SD1.5 pipeline: optimum, diffusers' script, optimum fp16."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import onnx
import torch

from .tiny_pipeline import write_scheduler_config
from .tokenizer_files import write_tokenizer

OPSET = 14  # diffusers' convert script default, and optimum's DEFAULT_ONNX_OPSET for every SD component


def finish_layout(out: Path) -> None:
    """Replace what the exporters wrote for tokenizer/ and scheduler/ with SD1.5's files verbatim."""
    shutil.rmtree(out / "tokenizer", ignore_errors=True)
    write_tokenizer(out / "tokenizer")
    shutil.rmtree(out / "scheduler", ignore_errors=True)
    write_scheduler_config(out / "scheduler")


def _resave_external(model_path: Path, location: str) -> None:
    """Move every initializer of model_path into one external file `location` next to it."""
    model = onnx.load(str(model_path), load_external_data=True)
    for f in model_path.parent.iterdir():
        if f.name != "config.json":
            f.unlink()
    onnx.save_model(
        model,
        str(model_path),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=location,
        size_threshold=0,
        convert_attribute=False,
    )


def export_optimum(pipe, out: Path) -> None:
    """optimum's exporter (task text-to-image): text_encoder, unet (+ model.onnx_data), vae_encoder, vae_decoder."""
    from optimum.exporters.onnx import onnx_export_from_model

    torch.manual_seed(0)  # optimum's dummy inputs come from torch's global RNG
    onnx_export_from_model(
        copy.deepcopy(pipe),
        str(out),
        task="text-to-image",
        opset=OPSET,
        do_validation=False,  # verify.py checks every model against PyTorch instead
    )
    # At this size optimum keeps the U-Net's weights inline; real SD1.5 exports (> 2 GB) have
    # unet/model.onnx + unet/model.onnx_data, so force that layout.
    _resave_external(out / "unet" / "model.onnx", "model.onnx_data")
    finish_layout(out)


def export_fp16(pipe, out: Path) -> None:
    """The optimum layout from the pipeline cast to float16 (torch fp16 export on CPU): float I/O is float16."""
    pipe16 = copy.deepcopy(pipe).to(torch.float16)
    export_optimum(pipe16, out)


@torch.no_grad()
def export_diffusers_onnx(pipe, out: Path) -> None:
    """The layout of diffusers' scripts/convert_stable_diffusion_checkpoint_to_onnx.py.

    Differences from the script, on purpose:
    - unet `timestep` is int64 [batch] (the script's first versions traced torch.LongTensor([0, 1]);
      later ones trace a float). The U-Net casts it to float itself.
    - vae_encoder returns the posterior's mean as `latent_sample`: the script returns
      `latent_dist.sample()`, which bakes a RandomNormalLike into the graph, so its output could not be
      checked against a golden. A loader treats it as a sample either way.
    - weights.pb is written with size_threshold=0, so every initializer is external.
    """
    from diffusers import OnnxRuntimeModel, OnnxStableDiffusionPipeline

    pipe = copy.deepcopy(pipe)
    out.mkdir(parents=True, exist_ok=True)

    def export(model, args, path: Path, input_names, output_names, dynamic_axes):
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.onnx.export(
            model,
            args,
            f=path.as_posix(),
            input_names=input_names,
            output_names=output_names,
            dynamic_axes=dynamic_axes,
            do_constant_folding=True,
            opset_version=OPSET,
        )

    torch.manual_seed(0)
    tok = pipe.tokenizer
    text_input = tok("A sample prompt", padding="max_length", max_length=tok.model_max_length, truncation=True, return_tensors="pt")
    num_tokens = pipe.text_encoder.config.max_position_embeddings
    text_hidden_size = pipe.text_encoder.config.hidden_size
    export(
        pipe.text_encoder,
        (text_input.input_ids.to(dtype=torch.int32),),
        out / "text_encoder" / "model.onnx",
        ["input_ids"],
        ["last_hidden_state", "pooler_output"],
        {"input_ids": {0: "batch", 1: "sequence"}},
    )

    unet_in = pipe.unet.config.in_channels
    unet_size = pipe.unet.config.sample_size
    unet_path = out / "unet" / "model.onnx"
    export(
        pipe.unet,
        (
            torch.randn(2, unet_in, unet_size, unet_size),
            torch.tensor([0, 1], dtype=torch.int64),
            torch.randn(2, num_tokens, text_hidden_size),
            False,
        ),
        unet_path,
        ["sample", "timestep", "encoder_hidden_states", "return_dict"],
        ["out_sample"],
        {
            "sample": {0: "batch", 1: "channels", 2: "height", 3: "width"},
            "timestep": {0: "batch"},
            "encoder_hidden_states": {0: "batch", 1: "sequence"},
        },
    )
    _resave_external(unet_path, "weights.pb")

    vae = pipe.vae
    vae_encoder = copy.deepcopy(vae)
    vae_encoder.forward = lambda sample, return_dict: vae_encoder.encode(sample, return_dict)[0].mean
    size = vae.config.sample_size
    export(
        vae_encoder,
        (torch.randn(1, vae.config.in_channels, size, size), False),
        out / "vae_encoder" / "model.onnx",
        ["sample", "return_dict"],
        ["latent_sample"],
        {"sample": {0: "batch", 1: "channels", 2: "height", 3: "width"}},
    )
    vae_decoder = copy.deepcopy(vae)
    vae_decoder.forward = vae_decoder.decode
    export(
        vae_decoder,
        (torch.randn(1, vae.config.latent_channels, unet_size, unet_size), False),
        out / "vae_decoder" / "model.onnx",
        ["latent_sample", "return_dict"],
        ["sample"],
        {"latent_sample": {0: "batch", 1: "channels", 2: "height", 3: "width"}},
    )

    onnx_pipeline = OnnxStableDiffusionPipeline(
        vae_encoder=OnnxRuntimeModel.from_pretrained(out / "vae_encoder"),
        vae_decoder=OnnxRuntimeModel.from_pretrained(out / "vae_decoder"),
        text_encoder=OnnxRuntimeModel.from_pretrained(out / "text_encoder"),
        tokenizer=pipe.tokenizer,
        unet=OnnxRuntimeModel.from_pretrained(out / "unet"),
        scheduler=pipe.scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    onnx_pipeline.save_pretrained(out)
    del onnx_pipeline
    finish_layout(out)
    # The script's last step: the folder loads as an OnnxStableDiffusionPipeline.
    OnnxStableDiffusionPipeline.from_pretrained(out, provider="CPUExecutionProvider")
