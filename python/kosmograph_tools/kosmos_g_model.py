"""Kosmos-G's encoder side (vision tower + connector, MLLM, AlignerNet encoder) rebuilt from PyPI libraries.

The app (microsoft/unilm `kosmos-g/`, see docs/kosmos-g.md for each fact's source file) runs on a fork of
torchscale and fairseq that are not on PyPI. This module builds the same arrangement from torchscale 0.3.0's
layers (`DecoderLayer`, `EncoderLayer`, `MultiheadAttention`, `PositionalEmbedding`) and open_clip's
`VisionTransformer`, with attribute names chosen so that `state_dict()` keys are the checkpoint's
(`gpt_model.decoder...`, `img_model.visual...`, `img_connector...`, `aligner...`).

Own code, and why:
- the layer loops: torchscale 0.3.0's `Decoder.forward` is always causal and the AlignerNet's query decoder
  is not (`causal_mask=False` exists only in the fork); the MLLM's loop takes embeddings we build;
- `fairseq_sinusoidal`: fairseq's sinusoidal positions (padding index 1), fairseq not being installable here;
- the image-feature scatter in `KosmosGMllm.embed`, written with gather/where so that it exports to ONNX.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

PAD_INDEX = 1  # fairseq Dictionary: <s> 0, <pad> 1, </s> 2, <unk> 3


@dataclass(frozen=True)
class KosmosGShape:
    """The sizes of one Kosmos-G arrangement (kosmosg_xl's, or a tiny one for tests)."""

    vocab: int
    mllm_dim: int
    mllm_layers: int
    mllm_heads: int
    mllm_ffn: int
    vision_image: int
    vision_patch: int
    vision_width: int
    vision_layers: int
    vision_heads: int
    vision_mlp: int
    image_tokens: int
    aligner_dim: int
    aligner_heads: int
    aligner_ffn: int
    aligner_encoder_layers: int
    aligner_decoder_layers: int
    aligner_positions: int
    aligner_queries: int

    def to_json(self) -> dict:
        return asdict(self)


# kosmosg_xl + the app's flags (unilm/models/kosmosg.py, gpt.py, aligner.py, connector.py, vl/clip.py).
KOSMOSG_XL = KosmosGShape(
    vocab=64006, mllm_dim=2048, mllm_layers=24, mllm_heads=32, mllm_ffn=8192,
    vision_image=224, vision_patch=14, vision_width=1024, vision_layers=24, vision_heads=16, vision_mlp=4096,
    image_tokens=64, aligner_dim=768, aligner_heads=12, aligner_ffn=3072,
    aligner_encoder_layers=12, aligner_decoder_layers=12, aligner_positions=32768, aligner_queries=77,
)


def _ts_config(kind: str, dim: int, heads: int, ffn: int, layers: int):
    from torchscale.architecture.config import DecoderConfig, EncoderConfig

    common = dict(activation_fn="gelu", dropout=0.0, attention_dropout=0.0, activation_dropout=0.0,
                  subln=True, no_scale_embedding=True, no_output_layer=True, vocab_size=-1, layernorm_eps=1e-5)
    if kind == "decoder":
        return DecoderConfig(decoder_embed_dim=dim, decoder_attention_heads=heads, decoder_ffn_embed_dim=ffn,
                             decoder_layers=layers, **common)
    return EncoderConfig(encoder_embed_dim=dim, encoder_attention_heads=heads, encoder_ffn_embed_dim=ffn,
                         encoder_layers=layers, **common)


def fairseq_sinusoidal(length: int, dim: int, device=None, dtype=torch.float32) -> torch.Tensor:
    """fairseq's SinusoidalPositionalEmbedding rows for positions PAD_INDEX+1 .. PAD_INDEX+length: [length, dim]."""
    half = dim // 2
    step = math.log(10000) / (half - 1)
    freqs = torch.exp(torch.arange(half, dtype=torch.float32, device=device) * -step)
    pos = torch.arange(length, dtype=torch.float32, device=device) + float(PAD_INDEX + 1)
    ang = pos[:, None] * freqs[None, :]
    emb = torch.cat([torch.sin(ang), torch.cos(ang)], dim=1)
    if dim % 2 == 1:
        emb = torch.cat([emb, torch.zeros(length, 1, device=device)], dim=1)
    return emb.to(dtype)


def causal_mask(length: int, like: torch.Tensor) -> torch.Tensor:
    return torch.triu(torch.full((length, length), float("-inf"), dtype=like.dtype, device=like.device), 1)


class _DecoderStack(nn.Module):
    """torchscale 0.3.0 decoder layers + final LayerNorm, under the names the checkpoint uses
    (`layers.{i}...`, `layer_norm`, and `embed_tokens` for the MLLM)."""

    def __init__(self, dim, heads, ffn, layers, cross: bool, vocab: int | None = None):
        super().__init__()
        from torchscale.architecture.decoder import DecoderLayer

        args = _ts_config("decoder", dim, heads, ffn, layers)
        self.embed_tokens = nn.Embedding(vocab, dim, padding_idx=PAD_INDEX) if vocab else None
        self.layers = nn.ModuleList([DecoderLayer(args, depth=i, is_encoder_decoder=cross) for i in range(layers)])
        self.layer_norm = nn.LayerNorm(dim, eps=1e-5)

    def run(self, x, mask=None, encoder_out=None, encoder_padding_mask=None):
        """mask: additive [T, T] self-attention mask or None. It goes in as torchscale's `rel_pos` (added to the
        scores the same way) rather than `attn_mask`, whose torch.nan_to_num exports a float64 Cast that
        onnxruntime-web's wasm build has no kernel for."""
        bias = None
        if mask is not None:
            heads = self.layers[0].self_attn.num_heads
            bias = mask.unsqueeze(0).expand(x.shape[0] * heads, -1, -1)
        for layer in self.layers:
            x = layer(x, encoder_out, encoder_padding_mask, None, self_attn_rel_pos=bias)[0]
        return self.layer_norm(x)


class KosmosGMllm(nn.Module):
    """`gpt_model`: token embedding (image positions overwritten by the connector's output) x sqrt(dim) + fairseq
    sinusoidal positions, then causal pre-LN subln layers; returns the hidden states after the final LayerNorm."""

    def __init__(self, s: KosmosGShape):
        super().__init__()
        self.decoder = _DecoderStack(s.mllm_dim, s.mllm_heads, s.mllm_ffn, s.mllm_layers, cross=False, vocab=s.vocab)
        self.scale = math.sqrt(s.mllm_dim)

    def embed(self, input_ids, image_embeds, image_mask):
        tok = self.decoder.embed_tokens(input_ids)  # [B, T, D]
        d = tok.shape[-1]
        flat = torch.cat([torch.zeros(1, d, dtype=tok.dtype, device=tok.device), image_embeds.reshape(-1, d)], 0)
        mask = image_mask.to(torch.int64)
        # the k-th masked position (row-major, as `tensor[mask] = features` fills) takes feature row k
        index = (torch.cumsum(mask.reshape(-1), 0) * mask.reshape(-1)).reshape(mask.shape)
        gathered = flat[index]
        x = torch.where(mask.bool().unsqueeze(-1), gathered, tok) * self.scale
        # contiguous positions 2 .. T+1: the app's prompts hold no <pad> (image positions carry <image> ids)
        return x + fairseq_sinusoidal(input_ids.shape[1], d, tok.device, tok.dtype).unsqueeze(0)

    def forward(self, input_ids, image_embeds, image_mask):
        x = self.embed(input_ids, image_embeds, image_mask)
        return self.decoder.run(x, mask=causal_mask(x.shape[1], x))


class KosmosGVision(nn.Module):
    """`img_model` (open_clip ViT, QuickGELU, every token through ln_post, L2-normalised) + `img_connector`
    (dense, then 64 learned queries attending to concat(tokens, queries))."""

    def __init__(self, s: KosmosGShape):
        super().__init__()
        from open_clip.model import QuickGELU
        from open_clip.transformer import VisionTransformer
        from torchscale.component.multihead_attention import MultiheadAttention

        self.img_model = nn.Module()
        self.img_model.visual = VisionTransformer(
            image_size=s.vision_image, patch_size=s.vision_patch, width=s.vision_width, layers=s.vision_layers,
            heads=s.vision_heads, mlp_ratio=s.vision_mlp / s.vision_width, output_dim=s.vision_width,
            act_layer=QuickGELU,
        )
        self.img_connector = nn.Module()
        self.img_connector.dense = nn.Linear(s.vision_width, s.mllm_dim)
        self.img_connector.latent_query = nn.Parameter(torch.randn(s.image_tokens, s.mllm_dim))
        args = _ts_config("decoder", s.mllm_dim, s.mllm_heads, s.mllm_ffn, 1)
        self.img_connector.x_attn = MultiheadAttention(args, s.mllm_dim, s.mllm_heads, encoder_decoder_attention=True)

    def tokens(self, pixel_values):
        v = self.img_model.visual
        x = v.conv1(pixel_values)
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        cls = v.class_embedding.to(x.dtype) + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype, device=x.device)
        x = torch.cat([cls, x], dim=1) + v.positional_embedding.to(x.dtype)
        x = v.ln_pre(x)
        x = v.transformer(x)  # open_clip 2.29: batch-first
        return F.normalize(v.ln_post(x), dim=-1)

    def forward(self, pixel_values):
        c = self.img_connector
        x = c.dense(self.tokens(pixel_values))  # [N, 257, D]
        q = c.latent_query.unsqueeze(0).expand(x.shape[0], -1, -1)
        kv = torch.cat([x, q], dim=1)
        return c.x_attn(q, kv, kv)[0]  # [N, 64, D]


class KosmosGAligner(nn.Module):
    """`aligner` (Aligner_encoder): encoder_proj (Linear D->C + learned positions from 2, padded rows zeroed,
    non-causal self-attention with the padding mask), then 77 learned queries through a non-causal decoder with
    cross-attention to it."""

    def __init__(self, s: KosmosGShape):
        super().__init__()
        from torchscale.architecture.encoder import EncoderLayer
        from torchscale.component.embedding import PositionalEmbedding

        args = _ts_config("encoder", s.aligner_dim, s.aligner_heads, s.aligner_ffn, s.aligner_encoder_layers)
        self.encoder_proj = nn.Module()
        self.encoder_proj.embed_tokens = nn.Linear(s.mllm_dim, s.aligner_dim)
        self.encoder_proj.embed_positions = PositionalEmbedding(s.aligner_positions, s.aligner_dim)
        self.encoder_proj.layers = nn.ModuleList(
            [EncoderLayer(args, depth=i, is_encoder_decoder=True) for i in range(s.aligner_encoder_layers)]
        )
        self.encoder_proj.layer_norm = nn.LayerNorm(s.aligner_dim, eps=1e-5)
        self.encoder_query = nn.Parameter(torch.randn(s.aligner_queries, s.aligner_dim))
        self.encoder = _DecoderStack(s.aligner_dim, s.aligner_heads, s.aligner_ffn, s.aligner_decoder_layers, cross=True)

    def forward(self, hidden_states, pad):
        """pad: bool [B, T], True at padded positions (the app's `src_tokens.eq(1)`)."""
        e = self.encoder_proj
        x = e.embed_tokens(hidden_states)
        positions = torch.arange(2, x.shape[1] + 2, device=x.device).unsqueeze(0)
        x = x + F.embedding(positions, e.embed_positions.weight)
        x = x * (1 - pad.unsqueeze(-1).to(x.dtype))
        for layer in e.layers:
            x = layer(x, encoder_padding_mask=pad)[0]
        memory = e.layer_norm(x)
        q = self.encoder_query.unsqueeze(0).expand(x.shape[0], -1, -1)
        return self.encoder.run(q, mask=None, encoder_out=memory, encoder_padding_mask=pad)


class KosmosGEncoder(nn.Module):
    """The three parts together, under the checkpoint's top-level names."""

    def __init__(self, s: KosmosGShape):
        super().__init__()
        self.shape = s
        vision = KosmosGVision(s)
        self.img_model = vision.img_model
        self.img_connector = vision.img_connector
        self._vision = [vision]  # not a submodule: its parameters are registered above
        self.gpt_model = KosmosGMllm(s)
        self.aligner = KosmosGAligner(s)

    @property
    def vision(self) -> KosmosGVision:
        return self._vision[0]

    def condition(self, input_ids, pixel_values, image_mask):
        """The app's encode_condition for one prompt: [1, 77, C]."""
        d = self.shape.mllm_dim
        embeds = self.vision(pixel_values) if pixel_values is not None else torch.zeros(0, self.shape.image_tokens, d)
        hidden = self.gpt_model(input_ids, embeds, image_mask)
        return self.aligner(hidden, input_ids.eq(PAD_INDEX))


def tiny_shape(vocab: int, aligner_dim: int) -> KosmosGShape:
    """A tiny arrangement with Kosmos-G's geometry where it matters to the interfaces (224 px, patch 14 -> 257
    tokens, 64 image tokens, 77 queries) and small widths; aligner_dim is the tiny SD1.5's cross-attention width."""
    return KosmosGShape(
        vocab=vocab, mllm_dim=32, mllm_layers=2, mllm_heads=4, mllm_ffn=64,
        vision_image=224, vision_patch=14, vision_width=16, vision_layers=2, vision_heads=2, vision_mlp=32,
        image_tokens=64, aligner_dim=aligner_dim, aligner_heads=4, aligner_ffn=64,
        aligner_encoder_layers=2, aligner_decoder_layers=2, aligner_positions=512, aligner_queries=77,
    )
