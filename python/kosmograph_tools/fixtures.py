"""kosmograph-fixtures: regenerate test/fixtures/sd15 (tiny SD1.5 in three ONNX layouts + goldens).

    kosmograph-fixtures --out test/fixtures/sd15

Everything is built into a sibling temp folder and swapped in at the end, so a failed run leaves
the old tree in place. Two runs on one machine give byte-identical trees (SHA256SUMS lists them).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import warnings
from importlib.resources import files
from pathlib import Path

MAX_TOTAL_BYTES = 30 * 1000 * 1000
LAYOUTS = ("optimum", "diffusers-onnx", "fp16")


def _quiet() -> None:
    warnings.filterwarnings("ignore")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for name in ("diffusers", "transformers", "optimum", "torch.onnx"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        import diffusers.utils.logging as dlog
        import transformers.utils.logging as tlog

        dlog.set_verbosity_error()
        dlog.disable_progress_bar()
        tlog.set_verbosity_error()
        tlog.disable_progress_bar()
    except Exception:  # pragma: no cover
        pass


def sha256sums(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != "SHA256SUMS":
            out[p.relative_to(root).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def generate(out: Path, log=print) -> dict:
    """Write the whole fixture tree into `out` (which must not exist). Returns the verification report."""
    _quiet()
    from .determinism import deterministic
    from .exporters import export_diffusers_onnx, export_fp16, export_optimum
    from .goldens import write_goldens
    from .tiny_pipeline import make_pipeline
    from .tokenizer_files import TOKENIZER_FILES
    from .verify import verify_layout

    deterministic()
    out.mkdir(parents=True)
    report: dict = {"layouts": {}}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kosmograph-tok-") as scratch:
        tok_dir = Path(scratch) / "tokenizer"
        pipe = make_pipeline(tok_dir)
        log(f"pipeline built ({time.perf_counter() - t0:.1f}s)")
        for name, export in (
            ("optimum", export_optimum),
            ("diffusers-onnx", export_diffusers_onnx),
            ("fp16", export_fp16),
        ):
            t = time.perf_counter()
            export(pipe, out / name)
            for f in TOKENIZER_FILES:  # every layout carries the same tokenizer files
                assert (out / name / "tokenizer" / f).read_bytes() == (tok_dir / f).read_bytes()
            report["layouts"][name] = verify_layout(pipe, out / name, name)
            log(f"{name}: exported and verified ({time.perf_counter() - t:.1f}s) "
                f"max abs diff {json.dumps(report['layouts'][name]['max_abs_diff'])}")
        t = time.perf_counter()
        write_goldens(pipe, out / "golden", tok_dir, fp16_layout=out / "fp16")
        log(f"golden: written ({time.perf_counter() - t:.1f}s)")
    (out / "README.md").write_text(files("kosmograph_tools").joinpath("fixtures_README.md").read_text("utf-8"), "utf-8")
    sums = sha256sums(out)
    (out / "SHA256SUMS").write_text("".join(f"{h}  {p}\n" for p, h in sums.items()), encoding="utf-8")
    total = tree_bytes(out)
    if total > MAX_TOTAL_BYTES:
        raise SystemExit(f"fixture tree is {total} bytes, over the {MAX_TOTAL_BYTES} byte budget")
    log(f"total {total} bytes in {len(sums) + 1} files ({time.perf_counter() - t0:.1f}s)")
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="kosmograph-fixtures", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("test/fixtures/sd15"), help="fixture folder to (re)write")
    ap.add_argument("--report", type=Path, help="also write the models' I/O and max abs diffs as JSON here")
    args = ap.parse_args(argv)
    out: Path = args.out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    log = lambda m: print(f"kosmograph-fixtures: {m}", file=sys.stderr, flush=True)  # noqa: E731
    build = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        report = generate(build / "tree", log)
        if out.exists():
            os.replace(out, build / "old")  # removed with the build folder below
        os.replace(build / "tree", out)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    if args.report:
        args.report.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
