from __future__ import annotations

import json

import pytest
from conftest import LAYOUTS

from kosmograph_tools.tokenizer_files import TOKENIZER_FILES, VOCAB_SIZE, load_tokenizer, write_tokenizer


@pytest.mark.parametrize("layout", LAYOUTS)
def test_tokenizer_files_load_with_49408_tokens(fixtures, layout):
    tok = load_tokenizer(fixtures / layout / "tokenizer")
    assert len(tok) == VOCAB_SIZE == 49408
    assert tok.convert_ids_to_tokens([0, 255, 256, 511, 512, 49405, 49406, 49407]) == [
        "!", "Ń", "!</w>", "Ń</w>", "in", "jekyll</w>", "<|startoftext|>", "<|endoftext|>"
    ]
    assert tok("a photo of a cat").input_ids == [49406, 320, 1125, 539, 320, 2368, 49407]
    merges = (fixtures / layout / "tokenizer" / "merges.txt").read_text("utf-8").splitlines()
    assert merges[0] == "#version: 0.2" and len(merges) == 1 + 48894


def test_tokenizer_files_are_what_the_builder_and_save_pretrained_write(fixtures, tmp_path):
    write_tokenizer(tmp_path / "built")
    for f in TOKENIZER_FILES:
        assert (tmp_path / "built" / f).read_bytes() == (fixtures / "optimum" / "tokenizer" / f).read_bytes(), f
    # transformers writes vocab.json and merges.txt byte for byte the same (SD1.5's layout).
    load_tokenizer(tmp_path / "built").save_pretrained(tmp_path / "saved")
    for f in ("vocab.json", "merges.txt"):
        assert (tmp_path / "saved" / f).read_bytes() == (tmp_path / "built" / f).read_bytes(), f
    config = json.loads((fixtures / "optimum" / "tokenizer" / "tokenizer_config.json").read_text("utf-8"))
    assert config["tokenizer_class"] == "CLIPTokenizer" and config["model_max_length"] == 77
    assert config["pad_token"] == "<|endoftext|>" and config["do_lower_case"] is True


def test_token_goldens_match_the_pipeline_tokenizer(fixtures, pipe):
    from transformers import CLIPTokenizerFast

    data = json.loads((fixtures / "golden" / "tokens.json").read_text("utf-8"))
    assert data["meta"]["tokenizer_class"] == "CLIPTokenizer" and data["meta"]["ftfy"] is True
    cases = data["cases"]
    assert len(cases) >= 200
    assert any(c["prompt"] == "" for c in cases)
    assert any(c["ids"][-2] not in (49407,) and c["ids"][-1] == 49407 for c in cases)  # truncated ones
    fast = CLIPTokenizerFast.from_pretrained(str(fixtures / "optimum" / "tokenizer"), local_files_only=True)
    for c in cases:
        p = c["prompt"]
        assert pipe.tokenizer(p, padding="max_length", max_length=77, truncation=True).input_ids == c["ids"], p
        assert fast(p, padding="max_length", max_length=77, truncation=True).input_ids == c["ids_fast"], p
