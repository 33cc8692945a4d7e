from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "test" / "fixtures" / "sd15"
EXTRA = REPO / "test" / "fixtures" / "sd15-extra"
LAYOUTS = ("optimum", "diffusers-onnx", "fp16")


@pytest.fixture(scope="session")
def fixtures() -> Path:
    if not (FIXTURES / "SHA256SUMS").exists():
        pytest.fail(f"{FIXTURES} is missing: run kosmograph-fixtures --out test/fixtures/sd15")
    return FIXTURES


@pytest.fixture(scope="session")
def extra() -> Path:
    if not (EXTRA / "SHA256SUMS").exists():
        pytest.fail(f"{EXTRA} is missing: run kosmograph-fixtures-controlnet --out test/fixtures/sd15-extra")
    return EXTRA


@pytest.fixture(scope="session")
def pipe(fixtures):
    from kosmograph_tools.fixtures import _quiet
    from kosmograph_tools.tiny_pipeline import make_pipeline

    _quiet()
    warnings.filterwarnings("ignore")
    return make_pipeline(fixtures / "optimum" / "tokenizer")


@pytest.fixture(scope="session")
def golden(fixtures) -> dict:
    import json

    return json.loads((fixtures / "golden" / "pipeline.json").read_text("utf-8"))
