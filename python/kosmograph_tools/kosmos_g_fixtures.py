"""test/fixtures/kosmos-g: a tiny Kosmos-G (real arrangement, random weights) exported by `kosmograph-export kosmos-g`,
and PyTorch goldens for it in front of the tiny SD1.5 of test/fixtures/sd15.

    HF_HUB_OFFLINE=1 kosmograph-fixtures-kosmos-g --out test/fixtures/kosmos-g

Byte-identical on regeneration (python/tests/test_kosmos_g.py checks it). The sources (a SentencePiece BPE model
trained on a small generated text, a fairseq dict.txt of its pieces, a fairseq-style checkpoint_final.pt and an
open_clip-style vision file) are made in a temp folder; the first two are kept under source/.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
from importlib import metadata
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

from .kosmos_g_export import IMAGE_MARKER, export_kosmos_g, prompt_ids, read_dictionary
from .kosmos_g_model import KosmosGEncoder, tiny_shape

SEED = 0
CROSS_WIDTH = 32  # test/fixtures/sd15's U-Net cross_attention_dim (tiny_pipeline.UNET_CONFIG)
PROMPT = "a photo of <i> on the beach at sunset"
NEGATIVE = "blurry"
STEPS = 10
GUIDANCE = 7.5
SIZE = 64  # the tiny SD1.5's image size (latents 4 x 8 x 8)
LEFT_OUT = ("▁zebra",)  # pieces kept out of dict.txt: the app maps them to <unk>

_SUBJECTS = ["a dog", "a cat", "the red car", "an old man", "a small bird", "my friend", "a robot", "the teapot",
             "a zebra", "two horses"]
_PLACES = ["on the beach", "in the snow", "at night", "in a forest", "under the sea", "on the moon", "in Paris",
           "at sunset", "in the rain", "on a table"]
_STYLES = ["", " as an oil painting", " in the style of <i>", ", watercolor", " wearing sunglasses",
           " made of lego", ", highly detailed", " with a hat"]


def corpus() -> list[str]:
    lines = [f"{s} {p}{st}".replace("<i>", "").strip() for s, p, st in itertools.product(_SUBJECTS, _PLACES, _STYLES)]
    lines += ["a photo of a " + w for w in ("house", "tree", "boat", "clock", "lamp", "chair", "garden", "city")]
    return lines


def prompts() -> list[str]:
    """>= 200 prompts, with 0-2 <i> markers, the way users write them."""
    out = [PROMPT, "<i>", "<i> and <i>", "<i> in the style of <i>", "", "a zebra", "A Dog!", "two  spaces here"]
    for i, (s, p, st) in enumerate(itertools.product(_SUBJECTS, _PLACES, _STYLES[:3])):
        lead = "<i> " if i % 5 == 0 else ""
        out.append(f"{lead}{s} {p}{st}")
    return out


def make_sentencepiece(dst: Path) -> Path:
    import sentencepiece as spm

    text = dst / "corpus.txt"
    text.write_text("\n".join(corpus()) + "\n", encoding="utf-8")
    prefix = dst / "sentencepiece.bpe"
    spm.SentencePieceTrainer.train(
        input=str(text), model_prefix=str(prefix), model_type="bpe", vocab_size=200, character_coverage=1.0,
        num_threads=1, seed_sentencepiece_size=10000, shuffle_input_sentence=False, minloglevel=2,
    )
    (dst / "sentencepiece.bpe.vocab").unlink()
    text.unlink()
    from sentencepiece import sentencepiece_model_pb2

    model = dst / "sentencepiece.bpe.model"  # the trainer records its (temp) paths: keep the bytes reproducible
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model.read_bytes())
    del proto.trainer_spec.input[:]
    proto.trainer_spec.input.append("corpus.txt")
    proto.trainer_spec.model_prefix = "sentencepiece.bpe"
    model.write_bytes(proto.SerializeToString())
    return model


def make_dict(sp_path: Path, dst: Path) -> Path:
    """fairseq-preprocess's dict.txt of the encoded corpus: `piece count`, most frequent first, ties by piece."""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(sp_path))
    counts: dict[str, int] = {}
    for line in corpus():
        for p in sp.encode(line, out_type=str):
            counts[p] = counts.get(p, 0) + 1
    for i in range(sp.get_piece_size()):  # pieces never used by the corpus still get a line, as in Kosmos-G's
        p = sp.id_to_piece(i)
        if not sp.is_control(i) and not sp.is_unknown(i):
            counts.setdefault(p, 0)
    rows = sorted(((c, p) for p, c in counts.items() if p not in LEFT_OUT), key=lambda r: (-r[0], r[1]))
    path = dst / "dict.txt"
    path.write_text("".join(f"{p} {c}\n" for c, p in rows), encoding="utf-8")
    return path


def make_checkpoint(vocab: int, dst: Path) -> tuple[Path, Path]:
    """A fairseq-style checkpoint_final.pt with Kosmos-G's key names, and an open_clip-style vision file.

    Like the release, the checkpoint holds the whole model under state["model"] (unused buffers included) and the
    vision tower's attention under the fork's `ts_attn` names; the vision file holds open_clip's `visual.*` names
    for the pretrained tower. Here the checkpoint keeps only the trained part of the tower (last block, ln_post), so
    that the exporter has to merge the two."""
    torch.manual_seed(SEED)
    shape = tiny_shape(vocab, CROSS_WIDTH)
    enc = KosmosGEncoder(shape).eval()
    with torch.no_grad():  # larger than init so the tiny outputs are not near-constant
        enc.img_connector.latent_query.mul_(0.5)
        enc.aligner.encoder_query.mul_(0.5)
    sd = enc.state_dict()
    last = shape.vision_layers - 1
    vision = {f"visual.{k[len('img_model.visual.'):]}": v.clone() for k, v in sd.items() if k.startswith("img_model.visual.")}
    vision["visual.proj"] = torch.zeros(shape.vision_width, 8)
    model = {}
    for k, v in sd.items():
        if not k.startswith("img_model.visual."):
            model[k] = v.clone()
            continue
        rest = k[len("img_model.visual.") :]
        if not (rest.startswith(f"transformer.resblocks.{last}.") or rest.startswith("ln_post.")):
            continue
        if rest.endswith("attn.in_proj_weight") or rest.endswith("attn.in_proj_bias"):
            part = "weight" if rest.endswith("weight") else "bias"
            b = rest[: -len(f"attn.in_proj_{part}")]
            for name, chunk in zip(("q", "k", "v"), v.chunk(3, 0)):
                model[f"img_model.visual.{b}ts_attn.{name}_proj.{part}"] = chunk.clone()
        elif ".attn.out_proj." in rest:
            model[k.replace(".attn.out_proj.", ".ts_attn.out_proj.")] = v.clone()
        else:
            model[k] = v.clone()
    head = shape.mllm_dim // shape.mllm_heads
    model["gpt_model.decoder.output_projection.weight"] = model["gpt_model.decoder.embed_tokens.weight"]
    model["gpt_model.decoder.embed_positions._float_tensor"] = torch.zeros(1)
    model["gpt_model.decoder.self_attn_sope.scale"] = (torch.arange(0, head, 2) + 0.4 * head) / (1.4 * head)
    cfg = {"model": {"_name": "kosmosg", "arch": "kosmosg_xl", "decoder_attention_heads": shape.mllm_heads,
                     "kosmograph_vision_heads": shape.vision_heads, "kosmograph_aligner_heads": shape.aligner_heads,
                     "subln": True, "sope_rel_pos": True, "latent_query_num": shape.image_tokens}}
    ckpt, vis = dst / "checkpoint_final.pt", dst / "ViT-tiny-sd.pt"
    torch.save({"args": None, "cfg": cfg, "model": model, "optimizer_history": [], "extra_state": {}}, str(ckpt))
    torch.save(vision, str(vis))
    return ckpt, vis


def make_sources(dst: Path) -> dict[str, Path]:
    dst.mkdir(parents=True, exist_ok=True)
    sp = make_sentencepiece(dst)
    dic = make_dict(sp, dst)
    ckpt, vis = make_checkpoint(len(read_dictionary(dic)), dst)
    return {"sentencepiece": sp, "dict": dic, "checkpoint": ckpt, "vision": vis}


def subject_image():
    """224 x 224 (the vision tower's size, so the app's Resize(224)/CenterCrop(224) leave it as is): a disc on a
    gradient."""
    from PIL import Image, ImageDraw

    y, x = np.mgrid[0:224, 0:224]
    rgb = np.stack([x * 255 // 223, y * 255 // 223, (x + y) * 255 // 446], -1).astype(np.uint8)
    img = Image.fromarray(rgb, "RGB")
    ImageDraw.Draw(img).ellipse((60, 50, 170, 160), fill=(200, 30, 40))
    return img


def resize_input(w: int, h: int):
    """A w x h test image with edges and noise (seeded), for the bicubic resize golden."""
    from PIL import Image

    rng = np.random.default_rng(w * 1000 + h)
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([(x * 7 + y * 3) % 256, ((x // 9 + y // 7) % 2) * 255, rng.integers(0, 256, (h, w))], -1)
    return Image.fromarray(rgb.astype(np.uint8), "RGB")


def app_pixels(img) -> torch.Tensor:
    """The app's 'gpt' image transform: Resize(224, bicubic) of the short side, CenterCrop(224), /255, CLIP mean/std."""
    from torchvision.transforms import CenterCrop, InterpolationMode, Resize

    from .kosmos_g_export import CLIP_MEAN, CLIP_STD

    img = CenterCrop(224)(Resize(224, interpolation=InterpolationMode.BICUBIC)(img))
    a = np.asarray(img, dtype=np.float64).transpose(2, 0, 1) / 255.0
    a = (a - np.array(CLIP_MEAN).reshape(3, 1, 1)) / np.array(CLIP_STD).reshape(3, 1, 1)
    return torch.from_numpy(a).float().unsqueeze(0)


def goldens(enc: KosmosGEncoder, sp_path: Path, dict_path: Path, out: Path) -> dict:
    import sentencepiece as spm
    from diffusers import DPMSolverMultistepScheduler, StableDiffusionPipeline
    from safetensors.torch import save_file

    from .goldens import dump_json, save_latent, save_png
    from .tiny_pipeline import make_scheduler, make_unet, make_vae

    out.mkdir(parents=True)
    sp = spm.SentencePieceProcessor(model_file=str(sp_path))
    symbols = read_dictionary(dict_path)
    index = {s: i for i, s in enumerate(symbols)}
    s = enc.shape
    tokens = []
    for p in prompts():
        n = p.count(IMAGE_MARKER)
        ids, mask = prompt_ids(sp, index, p, n, s.image_tokens)
        tokens.append({"prompt": p, "images": n, "input_ids": ids, "image_mask": mask,
                       "pieces": [sp.encode(t, out_type=str) for t in p.split(IMAGE_MARKER)]})
    dump_json({"what": "the app's kosmosg_preprocess ids (SentencePiece pieces + fairseq dictionary)", "prompts": tokens},
              out / "tokens.json")
    img = subject_image()
    save_png(img, out / "subject.png")
    from torchvision.transforms import CenterCrop, InterpolationMode, Resize

    for name, (w, h) in (("resize_down", (300, 211)), ("resize_up", (97, 150))):  # the app's transform, PIL's pixels
        src = resize_input(w, h)
        save_png(src, out / f"{name}_input.png")
        save_png(CenterCrop(224)(Resize(224, interpolation=InterpolationMode.BICUBIC)(src)), out / f"{name}_output.png")
    with torch.no_grad():
        ids, mask = prompt_ids(sp, index, PROMPT, 1, s.image_tokens)
        cond = enc.condition(torch.tensor([ids]), app_pixels(img), torch.tensor([mask]))
        neg = [index["<s>"]] + [index.get(x, 3) for x in sp.encode(NEGATIVE, out_type=str)]
        uncond = enc.condition(torch.tensor([neg]), None, torch.zeros(1, len(neg), dtype=torch.int64))
        empty = enc.condition(torch.tensor([[index["<s>"]]]), None, torch.zeros(1, 1, dtype=torch.int64))
    save_file({"cond": cond.contiguous(), "uncond": uncond.contiguous(), "uncond_empty": empty.contiguous()},
              str(out / "condition.safetensors"))
    noise = torch.randn((1, 4, SIZE // 8, SIZE // 8), generator=torch.Generator().manual_seed(SEED))
    save_latent(noise, out / "noise.latent")
    pipe = StableDiffusionPipeline(vae=make_vae(), text_encoder=None, tokenizer=None, unet=make_unet(),
                                   scheduler=make_scheduler(), safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)
    pipe.set_progress_bar_config(disable=True)
    with torch.no_grad():
        latents = pipe(prompt_embeds=cond, negative_prompt_embeds=uncond, num_inference_steps=STEPS,
                       guidance_scale=GUIDANCE, height=SIZE, width=SIZE, latents=noise.clone(),
                       output_type="latent").images
    save_latent(latents, out / "dpmpp_2m.latent")
    record = {
        "prompt": PROMPT, "negative_prompt": NEGATIVE, "image": "subject.png", "steps": STEPS,
        "guidance_scale": GUIDANCE, "width": SIZE, "height": SIZE, "scheduler": "DPMSolverMultistepScheduler.from_config(sd15 scheduler)",
        "unet": "test/fixtures/sd15 (tiny_pipeline.make_unet)",
        "condition": "condition.safetensors: cond = aligner(mllm(prompt, image)), uncond = aligner(mllm(<s> + negative)), "
                     "uncond_empty = aligner(mllm(<s>)), float32 [1, 77, 32], PyTorch",
        "latents": "dpmpp_2m.latent: StableDiffusionPipeline(prompt_embeds=cond, negative_prompt_embeds=uncond, "
                   "latents=noise.latent, output_type='latent')",
        "versions": {m: metadata.version(m) for m in ("torch", "diffusers", "torchscale", "sentencepiece", "open_clip_torch")},
    }
    dump_json(record, out / "pipeline.json")
    return record


def sha256sums(root: Path) -> str:
    lines = []
    for f in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "SHA256SUMS"):
        lines.append(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.relative_to(root).as_posix()}\n")
    return "".join(lines)


def generate(out: Path) -> dict:
    """Writes the tree atomically; returns the exporter's report (max abs diffs against PyTorch)."""
    from .determinism import deterministic

    deterministic()
    out = out.resolve()
    tmp = Path(tempfile.mkdtemp(prefix=".kosmos-g-fixtures-", dir=out.parent))
    try:
        tree = tmp / "tree"
        src = make_sources(tmp / "sources")
        quiet = lambda m: None  # noqa: E731
        report = export_kosmos_g(src["checkpoint"], src["vision"], src["sentencepiece"], src["dict"], tree / "encoder",
                                 tiny=True, log=quiet)
        report["fp16"] = export_kosmos_g(src["checkpoint"], src["vision"], src["sentencepiece"], src["dict"],
                                         tree / "encoder-fp16", fp16=True, tiny=True, log=quiet)["max_abs_diff"]
        torch.manual_seed(SEED)
        from .kosmos_g_export import load_encoder

        enc = load_encoder(src["checkpoint"], src["vision"])
        goldens(enc, src["sentencepiece"], src["dict"], tree / "golden")
        (tree / "source").mkdir()
        for k in ("sentencepiece", "dict"):
            shutil.copy(src[k], tree / "source" / src[k].name)
        shutil.copy(Path(__file__).with_name("kosmos_g_fixtures_README.md"), tree / "README.md")
        (tree / "SHA256SUMS").write_text(sha256sums(tree), encoding="utf-8")
        if out.exists():
            os.replace(out, tmp / "old")
        os.replace(tree, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="kosmograph-fixtures-kosmos-g", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    generate(args.out)
    print(json.dumps({"wrote": str(args.out)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
