"""The committed goldens are what the PyTorch pipeline gives now, and what the ONNX models give."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors import safe_open
from safetensors.torch import load_file

from kosmograph_tools import goldens as G
from kosmograph_tools.determinism import ort_session
from kosmograph_tools.prompts import EMBEDDING_PROMPTS

ATOL = 1e-4
# golden/fp16 against a rerun of the ORT fp16 pipeline: identical on the machine that made them; the
# slack (relative to the latents' magnitude, > 1 float16 ulp at 32-64) is for other CPUs' kernels.
FP16_RERUN_RTOL_OF_MAX = 1e-3


def latent(fixtures, name):
    path = str(fixtures / "golden" / name)
    t = load_file(path)
    assert list(t) == ["latent_tensor"] and t["latent_tensor"].dtype == torch.float32
    with safe_open(path, "pt") as f:
        assert f.metadata() is None
    return t["latent_tensor"]


def png_diff(path, pil) -> int:
    png = Image.open(path)
    assert png.size == (64, 64) and png.mode == "RGB" and not png.info
    return int(np.abs(np.asarray(png, np.int16) - np.asarray(pil.convert("RGB"), np.int16)).max())


@pytest.fixture(scope="module")
def ort_fp16(fixtures):
    return G.ort_pipeline(fixtures / "fp16")


@pytest.fixture(scope="module")
def ort_fp32(fixtures):
    return G.ort_pipeline(fixtures / "optimum")


def test_noise(fixtures):
    assert torch.equal(latent(fixtures, "noise.latent"), G.noise_tensor())


@pytest.mark.parametrize("key", list(G.SCHEDULER_CALLS))
def test_scheduler_latents_and_images_reproduce(fixtures, pipe, golden, key):
    make = G._schedulers()[key]
    saved = pipe.scheduler
    pipe.scheduler = make(saved.config)
    try:
        with torch.no_grad():
            out = pipe(
                prompt=golden["prompt"], negative_prompt=golden["negative_prompt"],
                num_inference_steps=golden["steps"], guidance_scale=golden["guidance_scale"],
                height=golden["height"], width=golden["width"],
                latents=latent(fixtures, "noise.latent"), output_type="latent",
            ).images
            want = latent(fixtures, f"{key}.latent")
            assert out.shape == (1, 4, 8, 8)
            torch.testing.assert_close(out, want, atol=ATOL * max(1.0, float(want.abs().max())), rtol=0)
            image = pipe.vae.decode(out / pipe.vae.config.scaling_factor, return_dict=False)[0]
            pil = pipe.image_processor.postprocess(image, output_type="pil", do_denormalize=[True])[0]
    finally:
        pipe.scheduler = saved
    png = Image.open(fixtures / "golden" / f"{key}.png")
    assert png.size == (64, 64) and png.mode == "RGB"
    diff = np.abs(np.asarray(png, np.int16) - np.asarray(pil, np.int16))
    assert diff.max() <= 1
    rec = golden["schedulers"][key]
    fresh = make(saved.config)
    assert rec["config"] == G.scheduler_config(fresh)
    for n, want_sched in golden["schedules"][key].items():
        assert G.schedule_of(make(saved.config), int(n)) == want_sched
    assert rec["timesteps"] == golden["schedules"][key]["10"]["timesteps"]


def test_embeddings_and_vae(fixtures, pipe, golden):
    emb = load_file(str(fixtures / "golden" / "embeddings.safetensors"))
    items = golden["embeddings"]["items"]
    assert [i["prompt"] for i in items] == EMBEDDING_PROMPTS
    with torch.no_grad():
        for item in items:
            ids = torch.tensor([item["ids"]])
            assert ids.tolist()[0] == pipe.tokenizer(item["prompt"], padding="max_length", max_length=77, truncation=True).input_ids
            torch.testing.assert_close(pipe.text_encoder(ids)[0], emb[item["tensor"]], atol=ATOL, rtol=0)
        x = pipe.image_processor.preprocess(Image.open(fixtures / "golden" / "vae_input.png"))
        torch.testing.assert_close(pipe.vae.encode(x).latent_dist.mean, latent(fixtures, "vae_encode_mean.latent"), atol=ATOL, rtol=0)
        dec = pipe.vae.decode(latent(fixtures, "noise.latent") / 0.18215).sample
        torch.testing.assert_close(dec, load_file(str(fixtures / "golden" / "vae_decode.safetensors"))["image"], atol=ATOL, rtol=0)
    assert np.asarray(Image.open(fixtures / "golden" / "vae_input.png")).std() > 30


def test_onnx_ddim_loop_reproduces_golden(fixtures, pipe, golden):
    """optimum layout + diffusers' DDIM in numpy: the path a runtime takes, against ddim.latent."""
    root = fixtures / "optimum"
    tok = pipe.tokenizer
    ids = np.array([tok(p, padding="max_length", max_length=77, truncation=True).input_ids
                    for p in (golden["negative_prompt"], golden["prompt"])], dtype=np.int32)
    te = ort_session(root / "text_encoder" / "model.onnx")
    cond = te.run(["last_hidden_state"], {"input_ids": ids})[0]
    emb = load_file(str(fixtures / "golden" / "embeddings.safetensors"))
    np.testing.assert_allclose(cond[1:], emb["emb_0"].numpy(), atol=ATOL, rtol=0)
    unet = ort_session(root / "unet" / "model.onnx")
    sched = G._schedulers()["ddim"](pipe.scheduler.config)
    sched.set_timesteps(golden["steps"])
    lat = latent(fixtures, "noise.latent") * sched.init_noise_sigma
    for t in sched.timesteps:
        x = np.concatenate([lat.numpy()] * 2)
        eps = unet.run(None, {"sample": x, "timestep": np.array([int(t)] * 2, np.int64), "encoder_hidden_states": cond})[0]
        e_u, e_c = eps[:1], eps[1:]
        lat = sched.step(torch.from_numpy(e_u + golden["guidance_scale"] * (e_c - e_u)), t, lat).prev_sample
    want = latent(fixtures, "ddim.latent")
    torch.testing.assert_close(lat, want, atol=1e-3 * max(1.0, float(want.abs().max())), rtol=0)
    dec = ort_session(root / "vae_decoder" / "model.onnx").run(None, {"latent_sample": (latent(fixtures, "noise.latent") / 0.18215).numpy()})[0]
    np.testing.assert_allclose(dec, load_file(str(fixtures / "golden" / "vae_decode.safetensors"))["image"].numpy(), atol=ATOL, rtol=0)


def test_fp16_entries_in_pipeline_json(fixtures, golden):
    assert sorted(golden["fp16"]) == sorted(G.SCHEDULER_CALLS)
    assert golden["fp16_reference"] == G.FP16_REFERENCE
    for key, entry in golden["fp16"].items():
        assert set(entry) == {"call", "latent", "image", "latent_dtype", "max_abs_diff_vs_fp32"}
        assert entry["call"] == golden["schedulers"][key]["call"] == G.SCHEDULER_CALLS[key]
        assert (entry["latent"], entry["image"]) == (f"fp16/{key}.latent", f"fp16/{key}.png")
        assert entry["latent_dtype"] == ("float16" if key == "euler" else "float32")
        d = float((latent(fixtures, entry["latent"]) - latent(fixtures, f"{key}.latent")).abs().max())
        assert d == entry["max_abs_diff_vs_fp32"]
        assert 1e-3 < d < 0.5  # rounded weights: near the fp32 golden, but not within its tolerance
    assert sorted(p.name for p in (fixtures / "golden" / "fp16").iterdir()) == sorted(
        f"{k}.{ext}" for k in G.SCHEDULER_CALLS for ext in ("latent", "png")
    )


@pytest.mark.parametrize("key", list(G.SCHEDULER_CALLS))
def test_fp16_goldens_are_the_ort_pipeline_on_fp16(fixtures, golden, ort_fp16, key):
    """golden/fp16/<key>.* = optimum's ORTStableDiffusionPipeline on fp16/, float32 noise as given."""
    assert G.scheduler_config(G._schedulers()[key](ort_fp16.scheduler.config)) == golden["schedulers"][key]["config"]
    noise = latent(fixtures, "noise.latent")
    with torch.no_grad():
        got = G.run_pipeline(ort_fp16, key, noise, "latent")
        assert str(got.dtype) == "torch." + golden["fp16"][key]["latent_dtype"]
        want = latent(fixtures, f"fp16/{key}.latent")
        torch.testing.assert_close(got.to(torch.float32), want, atol=FP16_RERUN_RTOL_OF_MAX * max(1.0, float(want.abs().max())), rtol=0)
        pil = G.run_pipeline(ort_fp16, key, noise, "pil")[0]
        # what output_type="pil" does: vae_decoder(latents / scaling_factor) + the pipeline's postprocess
        image = ort_fp16.vae.decode(got / ort_fp16.vae.config.scaling_factor, return_dict=False)[0]
        assert image.dtype == torch.float16
        manual = ort_fp16.image_processor.postprocess(image, output_type="pil", do_denormalize=[True])[0]
    assert np.array_equal(np.asarray(manual), np.asarray(pil))
    assert png_diff(fixtures / "golden" / "fp16" / f"{key}.png", pil) <= 1


@pytest.mark.parametrize("key", list(G.SCHEDULER_CALLS))
def test_ort_pipeline_on_optimum_fp32_matches_the_pytorch_goldens(fixtures, ort_fp32, key):
    """Cross-check (no files): ORTStableDiffusionPipeline on the fp32 optimum/ layout gives golden/<key>.*."""
    with torch.no_grad():
        got = G.run_pipeline(ort_fp32, key, latent(fixtures, "noise.latent"), "latent")
        pil = G.run_pipeline(ort_fp32, key, latent(fixtures, "noise.latent"), "pil")[0]
    assert got.dtype == torch.float32
    d = float((got - latent(fixtures, f"{key}.latent")).abs().max())
    assert d <= 1e-4, f"{key}: max abs diff {d:.3g} vs golden/{key}.latent"
    assert png_diff(fixtures / "golden" / f"{key}.png", pil) <= 1
