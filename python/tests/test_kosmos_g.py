"""kosmograph-export kosmos-g on a tiny real-architecture checkpoint, the tokenizer conversion, bad input, and the
byte-identical regeneration of test/fixtures/kosmos-g."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from kosmograph_tools import kosmos_g_fixtures as fx
from kosmograph_tools.export import main as export_main
from kosmograph_tools.kosmos_g_export import (
    IMAGE_MARKER,
    KosmosGExportError,
    kosmos_ids,
    load_encoder,
    read_dictionary,
    sentencepiece_processor,
    tokenizer_json,
    verify_onnx,
)

FIXTURE = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "kosmos-g"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("kg") / "kosmos-g"
    report = fx.generate(out)
    return out, report


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    return fx.make_sources(tmp_path_factory.mktemp("kg-src"))


def test_fixture_tree_regenerates_byte_for_byte(regenerated):
    out, _ = regenerated
    ours = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(FIXTURE).as_posix() for p in FIXTURE.rglob("*") if p.is_file())
    assert ours == theirs
    for rel in ours:
        assert (out / rel).read_bytes() == (FIXTURE / rel).read_bytes(), rel


def test_onnx_matches_pytorch_within_1e4(regenerated):
    _, report = regenerated
    diffs = {k: v for k, v in report["max_abs_diff"].items()}
    assert set(diffs) == {"vision", "mllm", "aligner"}
    for part, values in diffs.items():
        assert values and max(values) <= 1e-4, (part, values)
    for part, values in report["fp16"].items():  # checked by the exporter against 2% of the output's magnitude
        assert values and max(values) <= 1e-2, (part, values)


def test_a_different_pytorch_model_fails_the_check(regenerated, sources):
    """The ONNX check can fail: the exported tiny encoder against an encoder with other weights."""
    out, _ = regenerated
    enc = load_encoder(sources["checkpoint"], sources["vision"])
    with torch.no_grad():
        w = enc.gpt_model.decoder.layers[0].self_attn.v_proj.weight
        w.add_(0.01 * torch.randn(w.shape, generator=torch.Generator().manual_seed(1)))
    with pytest.raises(KosmosGExportError, match="mllm"):
        verify_onnx(enc, out / "encoder", fp16=False)


def test_every_weight_comes_from_the_files(sources):
    """Two loads under different seeds give the same weights: nothing used is left at its random init."""
    torch.manual_seed(1)
    a = load_encoder(sources["checkpoint"], sources["vision"]).state_dict()
    torch.manual_seed(2)
    b = load_encoder(sources["checkpoint"], sources["vision"]).state_dict()
    differ = [k for k in a if not torch.equal(a[k], b[k])]
    assert differ == ["img_model.visual.proj"]  # open_clip's projection, which Kosmos-G does not use


def test_big_models_are_saved_in_external_chunks(tmp_path):
    """Weights over the chunk size go to several files (the browser reads each file whole, 2 GiB at most), and
    onnxruntime runs the split model as the original."""
    import numpy as np
    import onnx

    from kosmograph_tools.kosmos_g_export import _ort, save_chunked

    src = FIXTURE / "encoder" / "aligner" / "model.onnx"
    dst = tmp_path / "aligner" / "model.onnx"
    dst.parent.mkdir()
    names = save_chunked(onnx.load(str(src)), dst, chunk_bytes=100_000)
    assert names[:2] == ["model.onnx_data", "model.onnx_data.1"] and len(names) >= 3
    assert all((dst.parent / n).stat().st_size <= 100_000 for n in names[:-1] if n)
    feed = {"hidden_states": np.random.default_rng(0).standard_normal((1, 9, 32)).astype(np.float32),
            "padding_mask": np.ones((1, 9), dtype=np.int64)}
    assert np.array_equal(_ort(dst).run(None, feed)[0], _ort(src).run(None, feed)[0])


def test_tokenizer_json_equals_sentencepiece_plus_dictionary():
    from tokenizers import Tokenizer

    sp_path, dict_path = FIXTURE / "source" / "sentencepiece.bpe.model", FIXTURE / "source" / "dict.txt"
    sp = sentencepiece_processor(sp_path)
    symbols = read_dictionary(dict_path)
    index = {s: i for i, s in enumerate(symbols)}
    data = tokenizer_json(sp_path, symbols)
    assert json.loads((FIXTURE / "encoder" / "tokenizer.json").read_text("utf-8")) == data
    tok = Tokenizer.from_str(json.dumps(data))
    prompts = fx.prompts()
    assert len(prompts) >= 200 and sum(IMAGE_MARKER in p for p in prompts) >= 20
    unk = 0
    for p in prompts:
        for text in p.split(IMAGE_MARKER):
            want = kosmos_ids(sp, index, text)
            unk += want.count(3)
            assert tok.encode(text, add_special_tokens=False).ids == want, text
    assert unk > 0  # a piece missing from dict.txt (▁zebra) maps to <unk> in both


def test_cli_refuses_bad_inputs_and_writes_nothing(sources, tmp_path, capsys):
    base = ["kosmos-g", "--checkpoint", str(sources["checkpoint"]), "--vision", str(sources["vision"]),
            "--sentencepiece", str(sources["sentencepiece"]), "--dict", str(sources["dict"]), "--any-size"]
    out = tmp_path / "enc"

    # a checkpoint whose keys / shapes are not Kosmos-G's: the first mismatches are listed
    state = torch.load(str(sources["checkpoint"]), weights_only=True)
    del state["model"]["aligner.encoder_query"]
    state["model"]["gpt_model.decoder.layers.0.ffn.fc1.weight"] = torch.zeros(3, 3)
    bad = tmp_path / "bad.pt"
    torch.save(state, str(bad))
    args = base.copy()
    args[2] = str(bad)
    assert export_main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "aligner.encoder_query is missing" in err or "missing aligner.encoder_query" in err

    state = torch.load(str(sources["checkpoint"]), weights_only=True)
    state["model"]["gpt_model.decoder.layers.1.ffn.fc2.weight"] = torch.zeros(3, 3)
    torch.save(state, str(bad))
    assert export_main([*args, "--out", str(out)]) == 2
    assert "gpt_model.decoder.layers.1.ffn.fc2.weight: shape (3, 3), expected (32, 64)" in capsys.readouterr().err

    # the real-size check refuses the tiny checkpoint without --any-size, naming what differs
    assert export_main([*base[:-1], "--out", str(out)]) == 2
    assert "not kosmosg_xl-sized: mllm_dim 32 (expected 2048)" in capsys.readouterr().err

    # a dictionary that does not match the SentencePiece model
    other = tmp_path / "dict.txt"
    other.write_text("".join(f"word{i} 1\n" for i in range(50)), encoding="utf-8")
    args = base.copy()
    args[8] = str(other)
    assert export_main([*args, "--out", str(out)]) == 2
    assert "does not match SentencePiece model" in capsys.readouterr().err

    # a missing vision checkpoint
    args = base.copy()
    args[4] = str(tmp_path / "nope.pt")
    assert export_main([*args, "--out", str(out)]) == 2
    assert f"vision checkpoint {tmp_path / 'nope.pt'} not found" in capsys.readouterr().err
    assert not out.exists() and not any(p.name.startswith(".enc") for p in tmp_path.iterdir())


def test_prompt_layout_is_the_apps(sources):
    from kosmograph_tools.kosmos_g_export import prompt_ids

    sp = sentencepiece_processor(sources["sentencepiece"])
    symbols = read_dictionary(sources["dict"])
    index = {s: i for i, s in enumerate(symbols)}
    ids, mask = prompt_ids(sp, index, "<i> on the beach", 1, 64)
    boi, eoi = index["<image>"], index["</image>"]
    assert ids[:67] == [0, *[boi] * 65, eoi] and mask[:67] == [0, 0, *[1] * 64, 0]
    assert ids[67:] == kosmos_ids(sp, index, " on the beach") and set(mask[67:]) == {0}
    with pytest.raises(KosmosGExportError, match="2 <i> marker"):
        prompt_ids(sp, index, "<i> and <i>", 1, 64)
