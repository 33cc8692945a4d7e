"""The real CLIP BPE tokenizer files, built from open_clip's shipped merges.

HF's CLIP tokenizer (openai/clip-vit-large-patch14, which SD1.5's `tokenizer/`
folder copies) numbers its vocabulary exactly as OpenAI's `SimpleTokenizer`
does: the 256 byte-level unicode characters, then each of them + `</w>`, then
every merge joined, then `<|startoftext|>` (49406) and `<|endoftext|>` (49407).
`merges.txt` is `#version: 0.2` followed by the 48,894 merges.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from pathlib import Path

VOCAB_SIZE = 49408
NUM_MERGES = 49152 - 256 - 2  # 48,894, as in open_clip and HF's CLIPTokenizer
BOS = "<|startoftext|>"
EOS = "<|endoftext|>"

# SD1.5's tokenizer/tokenizer_config.json (runwayml/stable-diffusion-v1-5), key order kept.
_ADDED = {"lstrip": False, "normalized": True, "rstrip": False, "single_word": False}
TOKENIZER_CONFIG = {
    "add_prefix_space": False,
    "bos_token": {"__type": "AddedToken", "content": BOS, **_ADDED},
    "do_lower_case": True,
    "eos_token": {"__type": "AddedToken", "content": EOS, **_ADDED},
    "errors": "replace",
    "model_max_length": 77,
    "name_or_path": "openai/clip-vit-large-patch14",
    "pad_token": EOS,
    "special_tokens_map_file": "./special_tokens_map.json",
    "tokenizer_class": "CLIPTokenizer",
    "unk_token": {"__type": "AddedToken", "content": EOS, **_ADDED},
}
# SD1.5's tokenizer/special_tokens_map.json.
SPECIAL_TOKENS_MAP = {
    "bos_token": {"content": BOS, **_ADDED},
    "eos_token": {"content": EOS, **_ADDED},
    "pad_token": EOS,
    "unk_token": {"content": EOS, **_ADDED},
}


def bpe_path() -> Path:
    import open_clip.tokenizer

    return Path(open_clip.tokenizer.default_bpe())


def bytes_to_unicode() -> dict[int, str]:
    """OpenAI CLIP's byte -> printable unicode table (same as GPT-2's)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


@lru_cache(maxsize=1)
def build_vocab_and_merges() -> tuple[dict[str, int], list[tuple[str, str]]]:
    lines = gzip.open(bpe_path()).read().decode("utf-8").split("\n")
    merges = [tuple(line.split()) for line in lines[1 : NUM_MERGES + 1]]
    assert len(merges) == NUM_MERGES and all(len(m) == 2 for m in merges)
    chars = list(bytes_to_unicode().values())
    tokens = chars + [c + "</w>" for c in chars] + ["".join(m) for m in merges] + [BOS, EOS]
    vocab = {tok: i for i, tok in enumerate(tokens)}
    assert len(vocab) == VOCAB_SIZE, len(vocab)
    return vocab, merges  # type: ignore[return-value]


def _json(obj) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def write_tokenizer(dst: Path) -> None:
    """Write vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json into dst."""
    dst.mkdir(parents=True, exist_ok=True)
    vocab, merges = build_vocab_and_merges()
    # SD1.5's tokenizer/vocab.json layout, which is also what CLIPTokenizer.save_pretrained writes:
    # keys sorted, 2-space indent, non-ASCII kept, trailing newline (1,059,962 bytes).
    (dst / "vocab.json").write_text(
        json.dumps(vocab, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (dst / "merges.txt").write_text(
        "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges), encoding="utf-8"
    )
    (dst / "tokenizer_config.json").write_text(_json(TOKENIZER_CONFIG), encoding="utf-8")
    (dst / "special_tokens_map.json").write_text(_json(SPECIAL_TOKENS_MAP), encoding="utf-8")


TOKENIZER_FILES = ("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")


def load_tokenizer(src: Path):
    from transformers import CLIPTokenizer

    tok = CLIPTokenizer.from_pretrained(str(src), local_files_only=True)
    assert len(tok) == VOCAB_SIZE, len(tok)
    assert tok.bos_token_id == 49406 and tok.eos_token_id == 49407 and tok.pad_token_id == 49407
    assert tok.model_max_length == 77
    return tok
