from __future__ import annotations

import json

import onnx
import pytest
from conftest import LAYOUTS

from kosmograph_tools.tiny_pipeline import SD15_SCHEDULER_CONFIG_TEXT
from kosmograph_tools.verify import check_io, expected_io

COMPONENTS = ("text_encoder", "unet", "vae_encoder", "vae_decoder")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_model_io_names_and_dtypes(fixtures, layout):
    report = check_io(fixtures / layout, layout)  # raises on any difference
    assert set(report) == set(COMPONENTS)
    f = "tensor(float16)" if layout == "fp16" else "tensor(float)"
    unet = report["unet"]
    assert [x["type"] for x in unet["inputs"]] == [f, "tensor(int64)", f]
    assert unet["inputs"][0]["shape"][1] in (4, "channels")
    assert unet["inputs"][2]["shape"][2] == 32
    assert report["text_encoder"]["inputs"][0]["type"] == "tensor(int32)"


def test_expected_io_is_the_documented_one():
    assert [n for n, _, _ in expected_io("optimum")["vae_encoder"]["outputs"]] == ["latent_parameters"]
    assert [n for n, _, _ in expected_io("diffusers-onnx")["vae_encoder"]["outputs"]] == ["latent_sample"]


@pytest.mark.parametrize("layout,data", [("optimum", "model.onnx_data"), ("fp16", "model.onnx_data"), ("diffusers-onnx", "weights.pb")])
def test_unet_weights_are_external(fixtures, layout, data):
    unet = fixtures / layout / "unet"
    assert (unet / data).is_file()
    m = onnx.load(str(unet / "model.onnx"), load_external_data=False)
    assert m.graph.initializer
    for t in m.graph.initializer:
        assert t.data_location == onnx.TensorProto.EXTERNAL, t.name
        assert {e.key: e.value for e in t.external_data}["location"] == data
    for comp in ("text_encoder", "vae_encoder", "vae_decoder"):
        assert sorted(p.name for p in (fixtures / layout / comp).iterdir()) in (["model.onnx"], ["config.json", "model.onnx"])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_files(fixtures, layout):
    root = fixtures / layout
    assert (root / "scheduler" / "scheduler_config.json").read_text("utf-8") == SD15_SCHEDULER_CONFIG_TEXT
    index = json.loads((root / "model_index.json").read_text("utf-8"))
    if layout == "diffusers-onnx":
        assert index["_class_name"] == "OnnxStableDiffusionPipeline"
        for comp in COMPONENTS:
            assert index[comp] == ["diffusers", "OnnxRuntimeModel"]
    else:
        assert index["_class_name"] == "StableDiffusionPipeline"
        assert index["unet"] == ["diffusers", "UNet2DConditionModel"]
    assert index["tokenizer"] == ["transformers", "CLIPTokenizer"]
    assert index["scheduler"] == ["diffusers", "PNDMScheduler"]
    for comp in COMPONENTS:
        onnx.checker.check_model(str(root / comp / "model.onnx"))
