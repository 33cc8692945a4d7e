"""test/fixtures/sd15-extra: the ControlNet and LoRA goldens reproduce, the LoRA files are what diffusers loads,
and regenerating gives the committed bytes."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors import safe_open
from safetensors.torch import load_file

from kosmograph_tools import controlnet_fixtures as C
from kosmograph_tools import lora_files as L
from kosmograph_tools.fixtures import sha256sums, tree_bytes
from kosmograph_tools.tiny_pipeline import make_pipeline

ATOL = 1e-4


def latent(path):
    t = load_file(str(path))
    assert list(t) == ["latent_tensor"] and t["latent_tensor"].dtype == torch.float32
    with safe_open(str(path), "pt") as f:
        assert f.metadata() is None
    return t["latent_tensor"]


def close(got, want):
    torch.testing.assert_close(got, want, atol=ATOL * max(1.0, float(want.abs().max())), rtol=0)


def png_diff(path, pipe, latents) -> int:
    image = pipe.vae.decode(latents / pipe.vae.config.scaling_factor, return_dict=False)[0]
    pil = pipe.image_processor.postprocess(image, output_type="pil", do_denormalize=[True])[0]
    png = Image.open(path)
    assert png.size == (64, 64) and png.mode == "RGB" and not png.info
    return int(np.abs(np.asarray(png, np.int16) - np.asarray(pil, np.int16)).max())


@pytest.fixture(scope="module")
def golden(extra):
    text = (extra / "golden" / "golden.json").read_text("utf-8")

    def no_constants(name):
        raise ValueError(f"golden.json holds {name}: not valid JSON")

    return json.loads(text, parse_constant=no_constants)


@pytest.fixture(scope="module")
def cpipe(pipe):
    return C.controlnet_pipeline(pipe, C.make_controlnet(pipe.unet))


@pytest.fixture(scope="module")
def control(extra):
    img = Image.open(extra / C.CONTROL_PNG)
    img.load()
    return img


def test_tree_matches_its_sha256sums(extra):
    want = dict(reversed(line.split("  ", 1)) for line in (extra / "SHA256SUMS").read_text("utf-8").splitlines())
    assert sha256sums(extra) == want
    assert tree_bytes(extra) <= C.MAX_TOTAL_BYTES


def test_golden_json_lists_every_golden_file(extra, golden):
    listed = {"golden.json"}
    for key, e in golden["goldens"].items():
        listed |= {e["file"]} if key == "cn_step" else {e["latent"], e["image"]}
    assert listed == {p.name for p in (extra / "golden").iterdir()}
    assert golden["scheduler"]["config"]["lambda_min_clipped"] == "-Infinity"
    assert golden["goldens"]["cn_end05"]["controlnet_keep"] == [1.0] * 5 + [0.0] * 5


def test_control_image(control):
    assert control.size == (64, 64) and control.mode == "RGB"
    a = np.asarray(control)
    assert set(np.unique(a)) == {0, 255} and (a[..., 0] == a[..., 1]).all()
    assert 150 < int((a[..., 0] == 255).sum()) < 1000  # thin lines


@torch.no_grad()
@pytest.mark.parametrize("key", list(C.CONTROLNET_GOLDENS))
def test_controlnet_goldens_reproduce(extra, golden, cpipe, control, fixtures, key):
    scale, start, end = C.CONTROLNET_GOLDENS[key]
    e = golden["goldens"][key]
    assert (e["controlnet_conditioning_scale"], e["control_guidance_start"], e["control_guidance_end"]) == (scale, start, end)
    got = C.run_controlnet(cpipe, control, latent(fixtures / "golden" / "noise.latent"), scale, start, end)
    want = latent(extra / "golden" / e["latent"])
    close(got, want)
    assert png_diff(extra / "golden" / e["image"], cpipe, got) <= 1
    plain = latent(fixtures / "golden" / "dpmpp_2m.latent")
    assert float((want - plain).abs().max()) > 0.1  # the ControlNet changes the result


@torch.no_grad()
def test_controlnet_goldens_differ_and_scale_zero_is_the_plain_golden(extra, cpipe, control, fixtures):
    lat = {k: latent(extra / "golden" / f"{k}.latent") for k in C.CONTROLNET_GOLDENS}
    for a in lat:
        for b in lat:
            if a < b:
                assert float((lat[a] - lat[b]).abs().max()) > 0.1, (a, b)
    got = C.run_controlnet(cpipe, control, latent(fixtures / "golden" / "noise.latent"), 0.0, 0.0, 1.0)
    close(got, latent(fixtures / "golden" / "dpmpp_2m.latent"))


@torch.no_grad()
def test_cn_step_golden_reproduces(extra, pipe, tmp_path, fixtures, control):
    C.cn_step(pipe, C.make_controlnet(pipe.unet), control, latent(fixtures / "golden" / "noise.latent"), tmp_path / "s.safetensors")
    got, want = load_file(str(tmp_path / "s.safetensors")), load_file(str(extra / "golden" / "cn_step.safetensors"))
    assert got.keys() == want.keys()
    for k in want:
        close(got[k], want[k])


def test_lora_files(extra, golden):
    for fname, pattern in ((L.KOHYA_FILE, r"lora_(unet|te)_\w+\.(lora_down\.weight|lora_up\.weight|alpha)"),
                           (L.PEFT_FILE, r"(unet|text_encoder)\.[\w.]+\.lora_[AB]\.weight")):
        sd = load_file(str(extra / fname))
        assert all(re.fullmatch(pattern, k) for k in sd), fname
        mods = L.lora_modules(extra / fname)
        assert {m["component"] for m in mods.values()} == {"unet", "text_encoder"}
        assert any(m["down"].ndim == 4 and m["down"].shape[-1] == 3 for m in mods.values())  # 3 x 3 LoCon
        for m in mods.values():
            assert m["down"].shape[0] == L.RANK and m["up"].shape[1] == L.RANK
            assert m["up"].abs().max() > 0.01
        with safe_open(str(extra / fname), "pt") as f:
            assert list(f.keys())[:5] == golden["loras"][fname]["first_keys"]
    kohya = L.lora_modules(extra / L.KOHYA_FILE)
    assert all(float(m["alpha"]) == L.KOHYA_ALPHA and m["down"].dtype == torch.float16 for m in kohya.values())
    assert "lora_unet_down_blocks_0_resnets_0_conv1" in kohya
    assert "lora_te_text_model_encoder_layers_0_self_attn_q_proj" in kohya


@torch.no_grad()
@pytest.mark.parametrize("fname", [L.KOHYA_FILE, L.PEFT_FILE])
def test_diffusers_fuses_every_lora_module_exactly(extra, fixtures, fname):
    """load_lora_weights + fuse_lora(lora_scale=0.5) moves each targeted weight by 0.5 * alpha / rank * up @ down
    and leaves every other weight alone: diffusers takes every key of the file."""
    mk = lambda: make_pipeline(fixtures / "optimum" / "tokenizer")  # noqa: E731
    fresh, pipe = mk(), mk()
    pipe.load_lora_weights(str(extra), weight_name=fname)
    pipe.fuse_lora(lora_scale=0.5)
    mods = L.lora_modules(extra / fname)
    touched = set()
    for base, m in mods.items():
        comp = m["component"]
        path = L.resolve_module(getattr(fresh, comp), comp, base)
        mod = getattr(pipe, comp).get_submodule(path)
        w = mod.base_layer.weight if hasattr(mod, "base_layer") else mod.weight
        w0 = getattr(fresh, comp).get_submodule(path).weight
        delta = L.expected_delta(m["down"], m["up"], m["alpha"], 0.5)
        assert float((w.double() - w0.double() - delta).abs().max()) < 1e-6, base
        assert float(delta.abs().max()) > 1e-3
        touched.add((comp, path))
    assert len(touched) == len(mods)
    for comp in ("unet", "text_encoder"):
        before = dict(getattr(fresh, comp).named_parameters())
        for n, p in getattr(pipe, comp).named_parameters():
            if "lora_" not in n and (comp, n.replace(".base_layer", "").rsplit(".", 1)[0]) not in touched:
                assert torch.equal(p, before[n.replace(".base_layer", "")]), n


@torch.no_grad()
@pytest.mark.parametrize("key", ["lora_kohya_05", "lora_kohya_1", "lora_peft_05", "lora_peft_1"])
def test_lora_goldens_reproduce(extra, golden, fixtures, key):
    from kosmograph_tools.goldens import GUIDANCE, SIZE, STEPS
    from kosmograph_tools.prompts import NEGATIVE_PROMPT, PROMPT

    e = golden["goldens"][key]
    mk = lambda: make_pipeline(fixtures / "optimum" / "tokenizer")  # noqa: E731
    lp = C.lora_pipeline(mk, extra, e["lora"], e["lora_scale"])
    got = lp(prompt=PROMPT, negative_prompt=NEGATIVE_PROMPT, num_inference_steps=STEPS, guidance_scale=GUIDANCE,
             height=SIZE, width=SIZE, latents=latent(fixtures / "golden" / "noise.latent"), output_type="latent").images
    want = latent(extra / "golden" / e["latent"])
    close(got, want)
    assert png_diff(extra / "golden" / e["image"], lp, got) <= 1
    tag, s = key.rsplit("_", 1)
    other = latent(extra / "golden" / f"{tag}_{'1' if s == '05' else '05'}.latent")
    assert float((want - other).abs().max()) > 0.1  # the scale matters
    assert float((want - latent(fixtures / "golden" / "dpmpp_2m.latent")).abs().max()) > 0.1


@pytest.mark.slow
def test_regenerating_gives_identical_bytes(extra, fixtures, tmp_path):
    C.generate(tmp_path / "sd15-extra", fixtures, log=lambda m: None)
    got, want = sha256sums(tmp_path / "sd15-extra"), sha256sums(extra)
    assert sorted(got) == sorted(want), "file lists differ"
    differing = [p for p in want if got[p] != want[p]]
    assert not differing, f"regenerated files differ from the committed ones: {differing}"
