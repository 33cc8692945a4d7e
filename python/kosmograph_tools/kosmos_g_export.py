"""kosmograph-export kosmos-g: the released Kosmos-G checkpoint (fairseq, `state["model"]`) to an ONNX encoder folder.

    kosmograph-export kosmos-g --checkpoint checkpoint_final.pt --vision ViT-L-14-sd.pt \
        --sentencepiece sentencepiece.bpe.model --dict dict.txt --out DIR [--fp16]

Writes vision/model.onnx (ViT + connector), mllm/model.onnx, aligner/model.onnx, tokenizer.json and
kosmos-g.json (format kosmograph-kosmos-g/1: files, sha256, interfaces, constants). Every weight is loaded by
its key name; a checkpoint whose keys or shapes are not Kosmos-G's is refused with the first mismatches. Each
ONNX model is run against PyTorch before the folder is moved into place (nothing is written on failure).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

from .kosmos_g_model import KOSMOSG_XL, PAD_INDEX, KosmosGEncoder, KosmosGShape

FORMAT = "kosmograph-kosmos-g/1"
OPSET = 17
FP32_ATOL = 1e-4
FP16_RTOL_OF_MAX = 2e-2
EXTERNAL_ABOVE = 1536 * 1024**2  # initializer bytes above which a model keeps its weights in external files
CHUNK_BYTES = 1024**3  # at most this much per external file (the browser's limit is 2 GiB per file)
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
IMAGE_MARKER = "<i>"
# unilm/data/utils.py SPECIAL_SYMBOLS, added after <mask> by unilm/tasks/gpt_base.py setup_task
ADDED_SYMBOLS = ("<mask>", "</doc>", "<image>", "</image>", "</chunk>", "</line>")
# In a Kosmos-G checkpoint but not used by the encoder at inference (docs/kosmos-g.md)
IGNORED_KEYS = re.compile(
    r"^(gpt_model\.decoder\.(output_projection\.weight|embed_positions\._float_tensor|self_attn_sope\.scale)"
    r"|aligner\.(decoder|decoder_query|decoder_proj|clip_encoder)(\.|$)|diffusion_unet\.|vae\.|img_model\.visual\.proj$)"
)
KOSMOS_PREFIXES = ("gpt_model.", "img_model.", "img_connector.", "aligner.")


class KosmosGExportError(RuntimeError):
    """The inputs are not a Kosmos-G checkpoint / tokenizer, or an export check failed; nothing was written."""


# ---------------------------------------------------------------------------------------------- reading files


def load_torch_file(path: Path, what: str, trust_pickle: bool = False) -> dict:
    if not path.is_file():
        raise KosmosGExportError(f"{what} {path} not found")
    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=not trust_pickle)
    except Exception as e:  # noqa: BLE001 - the message names the file
        hint = "" if trust_pickle else " (if you trust the file, --trust-pickle loads objects other than tensors)"
        raise KosmosGExportError(f"{what} {path} cannot be read: {e}{hint}") from e
    if not isinstance(obj, dict):
        raise KosmosGExportError(f"{what} {path} is not a checkpoint dictionary")
    return obj


def read_dictionary(path: Path) -> list[str]:
    """fairseq's Dictionary order: <s> <pad> </s> <unk>, dict.txt's symbols, then the task's added symbols."""
    if not path.is_file():
        raise KosmosGExportError(f"dictionary {path} not found")
    symbols = ["<s>", "<pad>", "</s>", "<unk>"]
    seen = set(symbols)
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.rstrip().rsplit(" ", 1)
        overwrite = False
        if len(parts) == 2 and parts[1] == "#fairseq:overwrite":
            overwrite = True
            parts = parts[0].rsplit(" ", 1)
        if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
            raise KosmosGExportError(f"dictionary {path} line {n}: expected '<symbol> <count>', got {line!r}")
        if parts[0] in seen and not overwrite:
            raise KosmosGExportError(f"dictionary {path} line {n}: duplicate symbol {parts[0]!r}")
        if parts[0] not in seen:
            symbols.append(parts[0])
            seen.add(parts[0])
    for s in ADDED_SYMBOLS:
        if s not in seen:
            symbols.append(s)
            seen.add(s)
    return symbols


def sentencepiece_processor(path: Path):
    import sentencepiece as spm

    if not path.is_file():
        raise KosmosGExportError(f"SentencePiece model {path} not found")
    try:
        return spm.SentencePieceProcessor(model_file=str(path))
    except Exception as e:  # noqa: BLE001
        raise KosmosGExportError(f"SentencePiece model {path} cannot be read: {e}") from e


def check_dictionary_matches(symbols: list[str], sp, dict_path: Path, sp_path: Path) -> None:
    """Every dict.txt symbol should be a piece of the SentencePiece model (fairseq-preprocess of its output)."""
    pieces = {sp.id_to_piece(i) for i in range(sp.get_piece_size())}
    body = symbols[4 : len(symbols) - len(ADDED_SYMBOLS)]
    missing = [s for s in body if s not in pieces]
    if not body or len(missing) > 0.01 * len(body):
        raise KosmosGExportError(
            f"dictionary {dict_path} does not match SentencePiece model {sp_path}: {len(missing)} of {len(body)} "
            f"symbols are not pieces of the model (first: {missing[:5]})"
        )


def kosmos_ids(sp, index: dict[str, int], text: str) -> list[int]:
    """The app's text_transform: SentencePiece pieces, each looked up in the fairseq dictionary (unknown -> <unk>)."""
    return [index.get(p, 3) for p in sp.encode(text, out_type=str)]


def prompt_ids(sp, index: dict[str, int], prompt: str, images: int, image_tokens: int) -> tuple[list[int], list[int]]:
    """The app's kosmosg_preprocess: ids and image mask."""
    if prompt.count(IMAGE_MARKER) != images:
        raise KosmosGExportError(f"the prompt has {prompt.count(IMAGE_MARKER)} {IMAGE_MARKER} marker(s) but {images} image(s)")
    boi, eoi = index["<image>"], index["</image>"]
    ids, mask = [index["<s>"]], [0]
    rest = prompt
    for _ in range(images):
        text, rest = rest.split(IMAGE_MARKER, 1)
        t = kosmos_ids(sp, index, text)
        ids += t + [boi] * (image_tokens + 1) + [eoi]
        mask += [0] * len(t) + [0] + [1] * image_tokens + [0]
    t = kosmos_ids(sp, index, rest)
    return ids + t, mask + [0] * len(t)


def tokenizer_json(sp_path: Path, symbols: list[str]) -> dict:
    """transformers' SpmConverter (vocab, merges, normalizer, Metaspace) with the vocabulary renumbered by the
    fairseq dictionary; pieces the dictionary lacks map to <unk> (3), as dictionary.index does."""
    from transformers.convert_slow_tokenizer import SpmConverter

    conv = SpmConverter(SimpleNamespace(vocab_file=str(sp_path), add_prefix_space=True, legacy=True))
    if conv.proto.trainer_spec.model_type != 2:
        raise KosmosGExportError(f"SentencePiece model {sp_path} is not a BPE model (Kosmos-G's is)")
    data = json.loads(conv.converted().to_str())
    index = {s: i for i, s in enumerate(symbols)}
    model = data["model"]
    model["vocab"] = {piece: index.get(piece, 3) for piece in model["vocab"]}
    for s in ("<s>", "<pad>", "</s>", "<unk>"):
        model["vocab"][s] = index[s]
    model["unk_token"] = "<unk>"
    data["added_tokens"] = []  # the app's SentencePiece never matches <s> or <image> inside prompt text
    data["post_processor"] = None
    return data


# ---------------------------------------------------------------------------------------------- checkpoint keys


def _layers(keys, prefix: str) -> int:
    found = {int(m.group(1)) for k in keys if (m := re.match(re.escape(prefix) + r"(\d+)\.", k))}
    return max(found) + 1 if found else 0


def _shape(sd: dict, key: str, where: str) -> tuple[int, ...]:
    if key not in sd:
        raise KosmosGExportError(f"{where}: not a Kosmos-G checkpoint: key {key} is missing")
    return tuple(sd[key].shape)


def infer_shape(model_sd: dict, vision_sd: dict, cfg: dict, where: str) -> KosmosGShape:
    """The arrangement's sizes from the weights' shapes (heads from the checkpoint's cfg, else kosmosg_xl's)."""
    vocab, d = _shape(model_sd, "gpt_model.decoder.embed_tokens.weight", where)
    ffn = _shape(model_sd, "gpt_model.decoder.layers.0.ffn.fc1.weight", where)[0]
    queries, _ = _shape(model_sd, "img_connector.latent_query", where)
    a_q, c = _shape(model_sd, "aligner.encoder_query", where)
    a_pos = _shape(model_sd, "aligner.encoder_proj.embed_positions.weight", where)[0]
    a_ffn = _shape(model_sd, "aligner.encoder_proj.layers.0.ffn.fc1.weight", where)[0]
    width, _, patch, _ = _shape(vision_sd, "conv1.weight", "vision weights")
    grid = _shape(vision_sd, "positional_embedding", "vision weights")[0] - 1
    mlp = _shape(vision_sd, "transformer.resblocks.0.mlp.c_fc.weight", "vision weights")[0]
    mc = cfg.get("model", cfg) if isinstance(cfg, dict) else {}
    heads = int(mc.get("decoder_attention_heads", KOSMOSG_XL.mllm_heads))
    return KosmosGShape(
        vocab=vocab, mllm_dim=d, mllm_layers=_layers(model_sd, "gpt_model.decoder.layers."), mllm_heads=heads,
        mllm_ffn=ffn, vision_image=int(round(grid**0.5)) * patch, vision_patch=patch, vision_width=width,
        vision_layers=_layers(vision_sd, "transformer.resblocks."),
        vision_heads=int(mc.get("kosmograph_vision_heads", KOSMOSG_XL.vision_heads if width == 1024 else max(1, width // 64))),
        vision_mlp=mlp, image_tokens=queries, aligner_dim=c,
        aligner_heads=int(mc.get("kosmograph_aligner_heads", KOSMOSG_XL.aligner_heads)), aligner_ffn=a_ffn,
        aligner_encoder_layers=_layers(model_sd, "aligner.encoder_proj.layers."),
        aligner_decoder_layers=_layers(model_sd, "aligner.encoder.layers."), aligner_positions=a_pos, aligner_queries=a_q,
    )


def open_clip_visual(sd: dict) -> dict:
    """`visual.*` of an open_clip state dict (optionally under `state_dict`, with `module.` prefixes), unprefixed."""
    if "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    out = {}
    for k, v in sd.items():
        if not torch.is_tensor(v):
            continue
        k = k[len("module.") :] if k.startswith("module.") else k
        if k.startswith("visual."):
            out[k[len("visual.") :]] = v
    return out


def checkpoint_visual(model_sd: dict) -> dict:
    """`img_model.visual.*` of the checkpoint, with the fork's `ts_attn.{q,k,v,out}_proj` put back into
    open_clip's `attn.in_proj_*` / `attn.out_proj` (the fork copied them the other way, unilm/models/vl/clip.py)."""
    pre = "img_model.visual."
    vis = {k[len(pre) :]: v for k, v in model_sd.items() if k.startswith(pre)}
    blocks = {int(m.group(1)) for k in vis if (m := re.match(r"transformer\.resblocks\.(\d+)\.ts_attn\.", k))}
    for i in blocks:
        b = f"transformer.resblocks.{i}."
        for part in ("weight", "bias"):
            qkv = [vis.pop(f"{b}ts_attn.{p}_proj.{part}", None) for p in ("q", "k", "v")]
            if any(t is None for t in qkv):
                raise KosmosGExportError(f"checkpoint: {pre}{b}ts_attn has no complete q/k/v_proj.{part}")
            vis[f"{b}attn.in_proj_{part}"] = torch.cat(qkv, 0)
            out = vis.pop(f"{b}ts_attn.out_proj.{part}", None)
            if out is None:
                raise KosmosGExportError(f"checkpoint: {pre}{b}ts_attn.out_proj.{part} is missing")
            vis[f"{b}attn.out_proj.{part}"] = out
    return vis


def compare_keys(expected: dict, got: dict, where: str, limit: int = 8) -> None:
    problems = []
    for k, v in expected.items():
        if k not in got:
            problems.append(f"missing {k} {tuple(v.shape)}")
        elif tuple(got[k].shape) != tuple(v.shape):
            problems.append(f"{k}: shape {tuple(got[k].shape)}, expected {tuple(v.shape)}")
    for k in got:
        if k not in expected and k.startswith(KOSMOS_PREFIXES) and not IGNORED_KEYS.match(k):
            problems.append(f"unexpected {k}")
    if problems:
        more = f" (and {len(problems) - limit} more)" if len(problems) > limit else ""
        raise KosmosGExportError(f"{where} is not a Kosmos-G checkpoint: " + "; ".join(problems[:limit]) + more)


def load_encoder(checkpoint: Path, vision: Path, trust_pickle: bool = False, expect: KosmosGShape | None = None):
    """The PyTorch encoder with every weight loaded by name, plus the checkpoint's vocabulary size."""
    state = load_torch_file(checkpoint, "checkpoint", trust_pickle)
    model_sd = state.get("model")
    if not isinstance(model_sd, dict):
        raise KosmosGExportError(f"checkpoint {checkpoint} has no state['model'] (not a fairseq checkpoint)")
    base = open_clip_visual(load_torch_file(vision, "vision checkpoint", trust_pickle))
    if not base:
        raise KosmosGExportError(f"vision checkpoint {vision} has no visual.* weights (expected open_clip's ViT-L-14)")
    vis = {**base, **checkpoint_visual(model_sd)}
    shape = infer_shape(model_sd, vis, state.get("cfg") or {}, f"checkpoint {checkpoint}")
    if expect is not None and shape != expect:
        diffs = [f"{k} {getattr(shape, k)} (expected {v})" for k, v in expect.to_json().items() if getattr(shape, k) != v]
        raise KosmosGExportError(f"checkpoint {checkpoint} is not kosmosg_xl-sized: {'; '.join(diffs[:8])}")
    enc = KosmosGEncoder(shape).eval()
    want = {k: v for k, v in enc.state_dict().items() if not IGNORED_KEYS.match(k)}  # e.g. open_clip's unused proj
    got = {k: v for k, v in model_sd.items() if not k.startswith("img_model.")}
    got.update({f"img_model.visual.{k}": v for k, v in vis.items()})
    compare_keys(want, got, f"checkpoint {checkpoint} (+ vision {vision})")
    missing, unexpected = enc.load_state_dict({k: got[k].float() for k in want}, strict=False)
    if unexpected or any(not IGNORED_KEYS.match(k) for k in missing):
        raise KosmosGExportError(f"internal: weights left unloaded {missing[:5]} / unexpected {unexpected[:5]}")
    return enc


# ---------------------------------------------------------------------------------------------- ONNX export


class VisionOnnx(torch.nn.Module):
    def __init__(self, enc: KosmosGEncoder):
        super().__init__()
        self.enc = enc
        self.vision = enc.vision

    def forward(self, pixel_values):
        return self.vision(pixel_values)


class MllmOnnx(torch.nn.Module):
    def __init__(self, enc: KosmosGEncoder):
        super().__init__()
        self.mllm = enc.gpt_model

    def forward(self, input_ids, image_embeds, image_mask):
        return self.mllm(input_ids, image_embeds, image_mask)


class AlignerOnnx(torch.nn.Module):
    """padding_mask: int64 [B, T], 1 at real tokens, 0 at padding (kosmograph's convention)."""

    def __init__(self, enc: KosmosGEncoder):
        super().__init__()
        self.aligner = enc.aligner

    def forward(self, hidden_states, padding_mask):
        return self.aligner(hidden_states, padding_mask.eq(0))


def _export(module, args, path: Path, inputs, outputs, axes) -> None:
    import onnx

    path.parent.mkdir(parents=True, exist_ok=True)
    fast = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)  # nn.MultiheadAttention's fused op has no ONNX export
    try:
        with torch.no_grad():
            torch.onnx.export(module, args, str(path), input_names=inputs, output_names=outputs, dynamic_axes=axes,
                              opset_version=OPSET, do_constant_folding=True, dynamo=False)
    finally:
        torch.backends.mha.set_fastpath_enabled(fast)
    model = onnx.load(str(path), load_external_data=True)
    size = sum(t.ByteSize() for t in model.graph.initializer)
    for f in path.parent.iterdir():
        if f != path:
            f.unlink()
    if size > EXTERNAL_ABOVE:  # protobuf's 2 GB limit: weights go to external files
        save_chunked(model, path)
    else:
        onnx.save_model(model, str(path))


def save_chunked(model, path: Path, chunk_bytes: int | None = None) -> list[str]:
    """Saves `model` with its initializers in external files `model.onnx_data`, `model.onnx_data.1`, ... of at most
    `chunk_bytes` each (one bigger tensor gets a file of its own): the browser reads each file into one
    ArrayBuffer and refuses files over 2 GiB (src/runtime/browser/browser-backend.ts), so the fp16 MLLM (2.7 GB)
    loads on WebGPU only split. Returns the data files' names."""
    import onnx
    from onnx.external_data_helper import set_external_data

    limit = chunk_bytes or CHUNK_BYTES
    names, k, used = [], 0, 0
    for t in model.graph.initializer:
        n = len(t.raw_data) if t.HasField("raw_data") else 0
        if n < 1024:
            continue
        if used and used + n > limit:
            k, used = k + 1, 0
        name = "model.onnx_data" if k == 0 else f"model.onnx_data.{k}"
        set_external_data(t, location=name, offset=used, length=n)
        if not names or names[-1] != name:
            names.append(name)
        used += n
    for name in names:
        (path.parent / name).unlink(missing_ok=True)
    onnx.save_model(model, str(path))
    return names


def export_onnx(enc: KosmosGEncoder, build: Path, fp16: bool) -> None:
    s = enc.shape
    exp = KosmosGEncoder(s).eval()
    exp.load_state_dict(enc.state_dict())
    dt = torch.float16 if fp16 else torch.float32
    if fp16:
        exp = exp.half()
    px = torch.randn(2, 3, s.vision_image, s.vision_image, dtype=dt)
    _export(VisionOnnx(exp), (px,), build / "vision" / "model.onnx", ["pixel_values"], ["image_embeds"],
            {"pixel_values": {0: "images"}, "image_embeds": {0: "images"}})
    ids, mask = _random_prompt(torch.Generator().manual_seed(1), s, 1, 5)
    emb = torch.randn(1, s.image_tokens, s.mllm_dim, dtype=dt)
    _export(MllmOnnx(exp), (ids, emb, mask), build / "mllm" / "model.onnx", ["input_ids", "image_embeds", "image_mask"],
            ["last_hidden_state"], {"input_ids": {1: "sequence"}, "image_mask": {1: "sequence"},
                                    "image_embeds": {0: "images"}, "last_hidden_state": {1: "sequence"}})
    hid = torch.randn(1, ids.shape[1], s.mllm_dim, dtype=dt)
    _export(AlignerOnnx(exp), (hid, torch.ones_like(ids)), build / "aligner" / "model.onnx",
            ["hidden_states", "padding_mask"], ["conditioning"],
            {"hidden_states": {0: "batch", 1: "sequence"}, "padding_mask": {0: "batch", 1: "sequence"},
             "conditioning": {0: "batch"}})


def _random_prompt(gen: torch.Generator, s: KosmosGShape, images: int, text: int):
    """<s>, text, per image <image> x 65 + </image>, text: random in-vocabulary ids (the layout, not a tokenizer)."""
    def words(n):
        return torch.randint(4, max(5, s.vocab - 8), (n,), generator=gen).tolist()

    ids, mask = [0], [0]
    for _ in range(images):
        t = words(text)
        ids += t + [s.vocab - 4] * (s.image_tokens + 1) + [s.vocab - 3]
        mask += [0] * (text + 1) + [1] * s.image_tokens + [0]
    t = words(text)
    ids += t
    mask += [0] * text
    return torch.tensor([ids]), torch.tensor([mask])


def _ort(path: Path):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def _diff(got: np.ndarray, ref: torch.Tensor, fp16: bool, what: str) -> float:
    r = ref.detach().double().numpy()
    if got.shape != r.shape:
        raise KosmosGExportError(f"{what}: ONNX shape {got.shape} != PyTorch {r.shape}")
    if not np.isfinite(got).all():
        raise KosmosGExportError(f"{what}: non-finite ONNX output")
    d = float(np.abs(got.astype(np.float64) - r).max())
    tol = FP16_RTOL_OF_MAX * max(1.0, float(np.abs(r).max())) if fp16 else FP32_ATOL
    if not d <= tol:
        raise KosmosGExportError(f"{what}: max abs diff {d:.3g} against PyTorch exceeds {tol:.3g}")
    return d


def verify_onnx(enc: KosmosGEncoder, build: Path, fp16: bool, seed: int = 0) -> dict:
    """ONNX against the fp32 PyTorch encoder on random images (1 and 2), prompts with 0-2 images of several
    lengths, and the aligner with and without padding."""
    s, gen = enc.shape, torch.Generator().manual_seed(seed)
    fdt = np.float16 if fp16 else np.float32
    rnd = lambda *shape: torch.randn(*shape, generator=gen)  # noqa: E731
    out: dict = {"vision": [], "mllm": [], "aligner": []}
    vision, mllm, aligner = (_ort(build / n / "model.onnx") for n in ("vision", "mllm", "aligner"))
    with torch.no_grad():
        for n in (1, 2):
            px = rnd(n, 3, s.vision_image, s.vision_image).numpy().astype(fdt)
            got = vision.run(None, {"pixel_values": px})[0]
            out["vision"].append(_diff(got, enc.vision(torch.from_numpy(px.astype(np.float32))), fp16, f"vision ({n} images)"))
        for images, text in ((0, 3), (1, 1), (1, 7), (2, 4)):
            ids, mask = _random_prompt(gen, s, images, text)
            emb = (rnd(images, s.image_tokens, s.mllm_dim) * 0.1).numpy().astype(fdt)
            got = mllm.run(None, {"input_ids": ids.numpy(), "image_embeds": emb, "image_mask": mask.numpy()})[0]
            ref = enc.gpt_model(ids, torch.from_numpy(emb.astype(np.float32)), mask)
            out["mllm"].append(_diff(got, ref, fp16, f"mllm ({images} images, {ids.shape[1]} tokens)"))
        for t, pad in ((1, 0), (9, 0), (70, 5)):
            hid = rnd(2, t, s.mllm_dim).numpy().astype(fdt)
            keep = torch.ones(2, t, dtype=torch.int64)
            if pad:
                keep[1, t - pad :] = 0
            got = aligner.run(None, {"hidden_states": hid, "padding_mask": keep.numpy()})[0]
            ref = enc.aligner(torch.from_numpy(hid.astype(np.float32)), keep.eq(0))
            out["aligner"].append(_diff(got, ref, fp16, f"aligner ({t} tokens, {pad} padded)"))
    return out


# ---------------------------------------------------------------------------------------------- the folder


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _io(path: Path) -> dict:
    s = _ort(path)
    dtypes = {"tensor(float)": "float32", "tensor(float16)": "float16", "tensor(int64)": "int64"}
    spec = lambda xs: [{"name": x.name, "dtype": dtypes[x.type], "shape": [d if isinstance(d, int) else str(d) for d in x.shape]} for x in xs]  # noqa: E731
    return {"inputs": spec(s.get_inputs()), "outputs": spec(s.get_outputs())}


def write_manifest(build: Path, enc: KosmosGEncoder, symbols: list[str], name: str, fp16: bool) -> dict:
    s = enc.shape
    index = {x: i for i, x in enumerate(symbols)}
    components = {}
    for part in ("vision", "mllm", "aligner"):
        f = build / part / "model.onnx"
        entry = {"file": f"{part}/model.onnx", "sha256": _sha256(f), **_io(f)}
        data = sorted((x for x in f.parent.iterdir() if x.name.startswith("model.onnx_data")),
                      key=lambda x: (len(x.name), x.name))
        if data:
            entry["externalData"] = [{"file": f"{part}/{x.name}", "sha256": _sha256(x)} for x in data]
        components[part] = entry
    components["tokenizer"] = {"file": "tokenizer.json", "sha256": _sha256(build / "tokenizer.json"),
                               "format": "hf-tokenizer-json"}
    manifest = {
        "format": FORMAT,
        "name": name,
        "description": "Kosmos-G encoder (vision tower + connector, MLLM, AlignerNet encoder) exported by kosmograph-export kosmos-g",
        "dtype": "float16" if fp16 else "float32",
        "shape": s.to_json(),
        "components": components,
        "constants": {
            "vision": {"inputSize": s.vision_image, "mean": list(CLIP_MEAN), "std": list(CLIP_STD),
                       "resize": "bicubic", "crop": "center"},
            "imageTokensPerImage": s.image_tokens,
            "mllmHiddenSize": s.mllm_dim,
            "conditioningLength": s.aligner_queries,
            "conditioningWidth": s.aligner_dim,
            "specialTokens": {"bos": index["<s>"], "eos": index["</s>"], "pad": index["<pad>"], "unk": index["<unk>"],
                              "boi": index["<image>"], "eoi": index["</image>"]},
            "imageMarker": IMAGE_MARKER,
        },
    }
    (build / "kosmos-g.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def build_kosmos_g(enc: KosmosGEncoder, sp_path: Path, symbols: list[str], build: Path, fp16: bool, name: str,
                   log=print) -> dict:
    build.mkdir(parents=True)
    if len(symbols) != enc.shape.vocab:
        raise KosmosGExportError(
            f"dictionary has {len(symbols)} symbols (with fairseq's 4 specials and the 6 added ones) but the checkpoint's "
            f"embedding has {enc.shape.vocab} rows"
        )
    tok = tokenizer_json(sp_path, symbols)
    (build / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False) + "\n", encoding="utf-8")
    export_onnx(enc, build, fp16)
    log("exported vision, mllm, aligner")
    report = {"max_abs_diff": verify_onnx(enc, build, fp16)}
    log(f"checked against PyTorch: {report['max_abs_diff']}")
    report["manifest"] = write_manifest(build, enc, symbols, name, fp16)
    return report


def export_kosmos_g(checkpoint: Path, vision: Path, sentencepiece: Path, dictionary: Path, out: Path, fp16: bool = False,
                    overwrite: bool = False, trust_pickle: bool = False, tiny: bool = False, log=print) -> dict:
    from .export import atomic_build

    sp = sentencepiece_processor(sentencepiece)
    symbols = read_dictionary(dictionary)
    check_dictionary_matches(symbols, sp, dictionary, sentencepiece)
    enc = load_encoder(checkpoint, vision, trust_pickle, None if tiny else replace(KOSMOSG_XL, vocab=len(symbols)))
    log(f"loaded {checkpoint} ({sum(p.numel() for p in enc.parameters()) / 1e6:.1f} M parameters)")
    return atomic_build(out, lambda b: build_kosmos_g(enc, sentencepiece, symbols, b, fp16, out.name, log), overwrite)


def add_subcommand(sub) -> None:
    p = sub.add_parser("kosmos-g", help="export a Kosmos-G checkpoint (fairseq) to an ONNX encoder folder")
    p.add_argument("--checkpoint", type=Path, required=True, help="checkpoint_final.pt (fairseq, state['model'])")
    p.add_argument("--vision", type=Path, required=True, help="ViT-L-14-sd.pt (open_clip state dict)")
    p.add_argument("--sentencepiece", type=Path, required=True, help="sentencepiece.bpe.model")
    p.add_argument("--dict", type=Path, required=True, help="fairseq dict.txt")
    p.add_argument("--out", type=Path, required=True, help="folder to write (must not exist unless --overwrite)")
    p.add_argument("--fp16", action="store_true", help="float16 weights and float inputs/outputs")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out (only once all checks pass)")
    p.add_argument("--trust-pickle", action="store_true", help="allow non-tensor objects in the .pt files")
    p.add_argument("--any-size", action="store_true", help="accept any sizes of the Kosmos-G arrangement (tests)")
    p.add_argument("--report", type=Path, help="also write the max abs diffs and the manifest as JSON here")


def run_subcommand(args, log) -> dict:
    return export_kosmos_g(args.checkpoint, args.vision, args.sentencepiece, args.dict, args.out, args.fp16,
                           args.overwrite, args.trust_pickle, args.any_size, log)

