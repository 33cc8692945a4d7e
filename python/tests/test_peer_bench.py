"""peer_bench: SD1.5's configs, and the build / reuse / timing / failure paths on the tiny configs (never full size)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from kosmograph_tools import peer_bench as pb


def _params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_configs_are_sd15s():
    cfg = pb.configs(tiny=False)
    unet, vae, te = cfg["unet"], cfg["vae"], cfg["text_encoder"]
    assert unet["block_out_channels"] == (320, 640, 1280, 1280)
    assert unet["cross_attention_dim"] == 768 and unet["attention_head_dim"] == 8
    assert unet["layers_per_block"] == 2 and unet["sample_size"] == 64 and unet["in_channels"] == 4
    assert unet["down_block_types"] == ("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",)
    assert unet["up_block_types"] == ("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3
    assert vae["block_out_channels"] == (128, 256, 512, 512) and vae["latent_channels"] == 4
    assert vae["scaling_factor"] == 0.18215 and vae["sample_size"] == 512
    assert (te["hidden_size"], te["intermediate_size"], te["num_hidden_layers"], te["num_attention_heads"]) == (
        768, 3072, 12, 12)
    assert te["vocab_size"] == 49408 and te["max_position_embeddings"] == 77 and te["hidden_act"] == "quick_gelu"


def test_full_size_parameter_counts_are_sd15s():
    """Built on the meta device (no memory): SD1.5's published parameter counts, exactly."""
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    cfg = pb.configs(tiny=False)
    with torch.device("meta"):
        assert _params(UNet2DConditionModel(**cfg["unet"])) == 859_520_964
        assert _params(AutoencoderKL(**cfg["vae"])) == 83_653_863
        assert _params(CLIPTextModel(CLIPTextConfig(**cfg["text_encoder"]))) == 123_060_480


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory):
    cache = tmp_path_factory.mktemp("peer-cache")
    return pb.ensure_models(tiny=True, cache_dir=cache, log=lambda m: None), cache


def test_tiny_build_is_complete_and_reused(tiny_root):
    root, cache = tiny_root
    assert pb.models_valid(root, tiny=True) is None
    manifest = json.loads((root / pb.MANIFEST).read_text("utf-8"))
    assert "onnx/unet/model.onnx_data" in manifest["files"] and "torch/unet/diffusion_pytorch_model.safetensors" in manifest["files"]
    assert manifest["max_abs_diff"]["unet"]  # the exporter's own check ran
    logs: list[str] = []
    before = (root / pb.MANIFEST).stat().st_mtime_ns
    assert pb.ensure_models(tiny=True, cache_dir=cache, log=logs.append) == root
    assert logs == [] and (root / pb.MANIFEST).stat().st_mtime_ns == before  # nothing rebuilt


def test_a_changed_file_invalidates_the_build(tiny_root, tmp_path):
    root, _ = tiny_root
    import shutil

    copy = tmp_path / root.name
    shutil.copytree(root, copy)
    assert pb.models_valid(copy, tiny=True) is None
    with open(copy / "onnx" / "unet" / "model.onnx_data", "ab") as f:
        f.write(b"\0")
    why = pb.models_valid(copy, tiny=True)
    assert why is not None and "onnx/unet/model.onnx_data" in why
    (copy / pb.MANIFEST).unlink()
    assert "missing" in pb.models_valid(copy, tiny=True)


@pytest.mark.parametrize("side", ["torch", "ort"])
def test_timing_loop_on_the_tiny_unet(tiny_root, side):
    root, _ = tiny_root
    make = pb.torch_stepper if side == "torch" else pb.ort_stepper
    got = pb.time_steps(make(root, 1), pb.configs(True)["unet"], [64, 128], warmup=1, samples=2)
    assert [g["size"] for g in got] == [64, 128]
    assert all(len(g["ms"]) == 2 and all(ms > 0 for ms in g["ms"]) for g in got)


def test_torch_and_ort_agree_on_a_step(tiny_root):
    """The two sides time the same computation: one U-Net step on the same inputs gives the same output."""
    root, _ = tiny_root
    feeds = pb.step_inputs(pb.configs(True)["unet"], 64)
    a = pb.torch_stepper(root, 1)(feeds)
    b = pb.ort_stepper(root, 1)(feeds)
    assert np.abs(a - b).max() < 1e-4


def test_a_non_finite_output_fails_the_run():
    nan_run = lambda feeds: np.full_like(feeds["sample"], np.nan)  # noqa: E731
    with pytest.raises(pb.RunFailed, match="non-finite"):
        pb.time_steps(nan_run, pb.configs(True)["unet"], [64], warmup=0, samples=1)


def test_cli_reports_done_and_failed(tiny_root, capsys, monkeypatch):
    _, cache = tiny_root
    argv = ["step", "--side", "ort", "--tiny", "--cache-dir", str(cache), "--sizes", "64", "--threads", "1"]
    assert pb.main(argv) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["status"] == "done" and report["steps"][0]["size"] == 64 and report["max_rss"] > 0
    monkeypatch.setattr(pb, "ort_stepper", lambda root, threads: lambda feeds: np.full_like(feeds["sample"], np.inf))
    assert pb.main(argv) == 1
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["status"] == "failed" and "non-finite" in report["error"] and "steps" not in report


def test_cli_image_on_the_tiny_pipeline(tiny_root, capsys):
    _, cache = tiny_root
    argv = ["image", "--tiny", "--cache-dir", str(cache), "--size", "64", "--steps", "2", "--threads", "1"]
    assert pb.main(argv) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["status"] == "done" and len(report["ms"]) == 1
