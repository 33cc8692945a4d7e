"""The committed goldens are what the PyTorch pipeline gives now, and what the ONNX models give."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from kosmograph_tools import goldens as G
from kosmograph_tools.determinism import ort_session
from kosmograph_tools.prompts import EMBEDDING_PROMPTS

ATOL = 1e-4


def latent(fixtures, name):
    t = load_file(str(fixtures / "golden" / name))
    assert list(t) == ["latent_tensor"] and t["latent_tensor"].dtype == torch.float32
    return t["latent_tensor"]


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
