"""kosmograph-export: the ControlNet-ready U-Net and the ControlNet against PyTorch, the CLI, atomic writes."""

from __future__ import annotations

import copy
import hashlib

import numpy as np
import onnx
import pytest
import torch
from safetensors.torch import load_file, save_file

from kosmograph_tools import export as E
from kosmograph_tools.controlnet_fixtures import CONTROLNET, READY, make_controlnet, save_diffusers_folder
from kosmograph_tools.determinism import ort_session
from kosmograph_tools.ldm_checkpoint import controlnet_to_ldm, save_single_file

ATOL = 1e-4
NAMES = E.residual_names(12)


def sha(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def same_files(a, b, rel):
    for r in rel:
        assert sha(a / r) == sha(b / r), r


@pytest.fixture(scope="module")
def controlnet(pipe):
    return make_controlnet(pipe.unet)


@pytest.fixture(scope="module")
def sources(tmp_path_factory, pipe, controlnet):
    """The tiny pipeline and ControlNet saved as diffusers folders, as the fixture generator saves them."""
    root = tmp_path_factory.mktemp("sources")
    save_diffusers_folder(pipe, root / "diffusers")
    copy.deepcopy(controlnet).save_pretrained(str(root / "controlnet"), safe_serialization=True)
    return root


def test_residual_layout_is_sd15s():
    sd15 = {"block_out_channels": [320, 640, 1280, 1280], "layers_per_block": 2}
    assert E.residual_layout(sd15) == [
        (320, 1), (320, 1), (320, 1), (320, 2), (640, 2), (640, 2), (640, 4), (1280, 4), (1280, 4),
        (1280, 8), (1280, 8), (1280, 8), (1280, 8),
    ]
    assert NAMES[:2] == ["down_block_0_additional_residual", "down_block_1_additional_residual"]
    assert NAMES[-1] == "mid_block_additional_residual" and len(NAMES) == 13


def test_io_of_the_committed_exports(extra, pipe):
    unet = E.check_io(extra / READY / "unet" / "model.onnx", E.expected_unet_io(pipe.unet.config, False), "unet")
    assert unet["inputs"][1] == {"name": "timestep", "type": "tensor(float)", "shape": ["batch_size"]}
    assert unet["inputs"][0]["shape"] == ["batch_size", 4, "height", "width"]
    assert unet["inputs"][3]["shape"] == ["batch_size", 8, "height", "width"]
    assert unet["inputs"][15]["shape"] == ["batch_size", 16, "height_div8", "width_div8"]
    cn = E.check_io(extra / CONTROLNET / "model.onnx", E.expected_controlnet_io(pipe.unet.config, False), "controlnet")
    assert cn["inputs"][3]["shape"] == ["batch_size", 3, "image_height", "image_width"]
    assert cn["inputs"][4] == {"name": "conditioning_scale", "type": "tensor(float)", "shape": []}
    assert [o["shape"] for o in cn["outputs"]] == [i["shape"] for i in unet["inputs"][3:]]
    for path, data in ((extra / READY / "unet", "model.onnx_data"), (extra / CONTROLNET, "model.onnx_data")):
        m = onnx.load(str(path / "model.onnx"), load_external_data=False)
        assert m.graph.initializer and all(t.data_location == onnx.TensorProto.EXTERNAL for t in m.graph.initializer)
        assert {e.key: e.value for e in m.graph.initializer[0].external_data}["location"] == data


def test_same_weights_as_sd15(extra, fixtures):
    """text encoder, VAE and the U-Net's weights are test/fixtures/sd15's (same seeds), byte for byte."""
    same_files(extra / READY, fixtures / "optimum", [
        "model_index.json", "text_encoder/model.onnx", "vae_encoder/model.onnx", "vae_decoder/model.onnx",
        "unet/model.onnx_data", "unet/config.json", "scheduler/scheduler_config.json",
        *[f"tokenizer/{f}" for f in ("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")],
    ])


def _inputs(seed, batch=2, h=8, w=8):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, 4, h, w, generator=g), torch.randn(batch, 77, 32, generator=g),
            torch.rand(batch, 3, 8 * h, 8 * w, generator=g))


@torch.no_grad()
def test_unet_with_zero_residuals_is_the_plain_unet(extra, fixtures, pipe):
    unet = ort_session(extra / READY / "unet" / "model.onnx")
    plain = ort_session(fixtures / "optimum" / "unet" / "model.onnx")
    x, ehs, _ = _inputs(0)
    for t in ([981, 1], [500, 500]):
        zeros = {n: np.zeros(r.shape, np.float32) for n, r in zip(NAMES, E.residual_tensors(pipe.unet.config, 2, 8, 8, torch.float32, zeros=True), strict=True)}
        got = unet.run(None, {"sample": x.numpy(), "timestep": np.array(t, np.float32), "encoder_hidden_states": ehs.numpy(), **zeros})[0]
        ref = pipe.unet(x, torch.tensor(t), ehs).sample.numpy()
        assert np.abs(got - ref).max() <= ATOL
        opt = plain.run(None, {"sample": x.numpy(), "timestep": np.array(t, np.int64), "encoder_hidden_states": ehs.numpy()})[0]
        assert np.abs(got - opt).max() <= ATOL


@torch.no_grad()
@pytest.mark.parametrize("scale", [1.0, 0.5, 0.0])
def test_unet_fed_the_onnx_controlnet_is_pytorch_unet_plus_controlnet(extra, pipe, controlnet, scale):
    cn_sess = ort_session(extra / CONTROLNET / "model.onnx")
    unet = ort_session(extra / READY / "unet" / "model.onnx")
    x, ehs, cond = _inputs(1, batch=2, h=8, w=16)
    t = torch.tensor([801.0, 801.0])
    feeds = {"sample": x.numpy(), "timestep": t.numpy(), "encoder_hidden_states": ehs.numpy(),
             "controlnet_cond": cond.numpy(), "conditioning_scale": np.array(scale, np.float32)}
    res = cn_sess.run(NAMES, feeds)
    got = unet.run(None, {"sample": x.numpy(), "timestep": t.numpy(), "encoder_hidden_states": ehs.numpy(), **dict(zip(NAMES, res, strict=True))})[0]
    down, mid = controlnet(x, t, ehs, cond, conditioning_scale=scale, return_dict=False)
    for g, r in zip(res, (*down, mid), strict=True):
        assert g.shape == tuple(r.shape) and np.abs(g - r.numpy()).max() <= ATOL
    ref = pipe.unet(x, t, ehs, down_block_additional_residuals=down, mid_block_additional_residual=mid).sample
    assert np.abs(got - ref.numpy()).max() <= ATOL
    if scale == 0.0:
        assert all(not r.any() for r in res)
        assert np.abs(got - pipe.unet(x, t, ehs).sample.numpy()).max() <= ATOL
    else:
        assert np.abs(got - pipe.unet(x, t, ehs).sample.numpy()).max() > 1e-2  # not a no-op


def test_cn_step_golden_is_what_the_onnx_models_give(extra):
    step = load_file(str(extra / "golden" / "cn_step.safetensors"))
    cn_in = ("sample", "timestep", "encoder_hidden_states", "controlnet_cond", "conditioning_scale")
    res = ort_session(extra / CONTROLNET / "model.onnx").run(NAMES, {k: step[k].numpy() for k in cn_in})
    for n, r in zip(NAMES, res, strict=True):
        assert np.abs(r - step[n].numpy()).max() <= ATOL, n
    unet_in = {k: step[k].numpy() for k in ("sample", "timestep", "encoder_hidden_states", *NAMES)}
    out = ort_session(extra / READY / "unet" / "model.onnx").run(None, unet_in)[0]
    assert np.abs(out - step["out_sample"].numpy()).max() <= ATOL


def test_cli_reproduces_the_committed_exports(sources, extra, tmp_path):
    assert E.main(["sd15", str(sources / "diffusers"), "--out", str(tmp_path / "sd15")]) == 0
    assert E.main(["controlnet", str(sources / "controlnet"), "--out", str(tmp_path / "cn")]) == 0
    rel = sorted(p.relative_to(extra / READY).as_posix() for p in (extra / READY).rglob("*") if p.is_file())
    assert rel == sorted(p.relative_to(tmp_path / "sd15").as_posix() for p in (tmp_path / "sd15").rglob("*") if p.is_file())
    same_files(tmp_path / "sd15", extra / READY, rel)
    same_files(tmp_path / "cn", extra / CONTROLNET, ["model.onnx", "model.onnx_data", "config.json"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cn", "sd15"]  # no temp folders left


def test_single_file_checkpoints_need_config_dir_and_then_give_the_same_export(sources, extra, pipe, controlnet, tmp_path, capsys):
    ckpt = save_single_file(pipe, tmp_path / "tiny.safetensors")
    assert E.main(["sd15", str(ckpt), "--out", str(tmp_path / "a")]) == 2
    assert "--config-dir" in capsys.readouterr().err and not (tmp_path / "a").exists()
    assert E.main(["sd15", str(ckpt), "--config-dir", str(sources / "diffusers"), "--out", str(tmp_path / "a")]) == 0
    same_files(tmp_path / "a", extra / READY, ["unet/model.onnx", "unet/model.onnx_data", "text_encoder/model.onnx",
                                               "vae_decoder/model.onnx", "tokenizer/vocab.json", "scheduler/scheduler_config.json"])
    ckpt = save_single_file(pipe, tmp_path / "tiny.ckpt")
    loaded = E.load_sd15(ckpt, sources / "diffusers")
    for comp in ("unet", "vae", "text_encoder"):
        a, b = getattr(pipe, comp).state_dict(), getattr(loaded, comp).state_dict()
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), comp
    # ControlNet: the original layout (control_model.*) and diffusers' own weights file
    save_file(controlnet_to_ldm(controlnet.state_dict()), str(tmp_path / "control.safetensors"))
    assert E.main(["controlnet", str(tmp_path / "control.safetensors"), "--out", str(tmp_path / "c1")]) == 2
    assert E.main(["controlnet", str(tmp_path / "control.safetensors"), "--config-dir", str(sources / "controlnet"), "--out", str(tmp_path / "c1")]) == 0
    assert E.main(["controlnet", str(sources / "controlnet" / "diffusion_pytorch_model.safetensors"), "--out", str(tmp_path / "c2")]) == 0
    for c in ("c1", "c2"):
        same_files(tmp_path / c, extra / CONTROLNET, ["model.onnx", "model.onnx_data"])


def test_a_failing_check_leaves_no_out(sources, tmp_path, monkeypatch, capsys):
    """A broken export (the traced wrapper adds 1e-3 to an output) is caught by the check against PyTorch,
    and nothing is left at --out or next to it."""
    unet_forward, cn_forward = E.UNetWithResiduals.forward, E.ControlNetResiduals.forward
    monkeypatch.setattr(E.UNetWithResiduals, "forward", lambda self, *a: unet_forward(self, *a) + 1e-3)
    monkeypatch.setattr(E.ControlNetResiduals, "forward", lambda self, *a: (cn_forward(self, *a)[0] + 1e-3, *cn_forward(self, *a)[1:]))
    out = tmp_path / "out"
    assert E.main(["sd15", str(sources / "diffusers"), "--out", str(out)]) == 2
    assert "unet b2_8x8 zeros residuals: max abs diff 0.001" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # neither --out nor the build folder
    assert E.main(["controlnet", str(sources / "controlnet"), "--out", str(out)]) == 2
    assert "down_block_0_additional_residual: max abs diff 0.001" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    # an existing --out survives a failed --overwrite, and is refused without --overwrite
    out.mkdir()
    (out / "keep").write_text("x")
    assert E.main(["controlnet", str(sources / "controlnet"), "--out", str(out), "--overwrite"]) == 2
    monkeypatch.undo()
    assert E.main(["controlnet", str(sources / "controlnet"), "--out", str(out)]) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["out"] and [p.name for p in out.iterdir()] == ["keep"]
    assert E.main(["controlnet", str(sources / "controlnet"), "--out", str(out), "--overwrite"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "model.onnx", "model.onnx_data"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_fp16_controlnet_export(sources, tmp_path, pipe):
    assert E.main(["controlnet", str(sources / "controlnet"), "--out", str(tmp_path / "cn16"), "--fp16"]) == 0
    io = E.check_io(tmp_path / "cn16" / "model.onnx", E.expected_controlnet_io(pipe.unet.config, True), "controlnet fp16")
    assert [i["type"] for i in io["inputs"]] == ["tensor(float16)", "tensor(float)", "tensor(float16)", "tensor(float16)", "tensor(float)"]


@pytest.mark.slow
def test_fp16_sd15_export(sources, tmp_path, pipe):
    assert E.main(["sd15", str(sources / "diffusers"), "--out", str(tmp_path / "sd16"), "--fp16"]) == 0
    E.check_io(tmp_path / "sd16" / "unet" / "model.onnx", E.expected_unet_io(pipe.unet.config, True), "unet fp16")
