"""Regenerating the fixture tree gives the committed bytes (sha256 of every file)."""

from __future__ import annotations

import pytest

from kosmograph_tools.fixtures import MAX_TOTAL_BYTES, generate, sha256sums, tree_bytes


def read_sums(path):
    out = {}
    for line in path.read_text("utf-8").splitlines():
        h, p = line.split("  ", 1)
        out[p] = h
    return out


def test_committed_tree_matches_its_sha256sums(fixtures):
    assert sha256sums(fixtures) == read_sums(fixtures / "SHA256SUMS")
    assert tree_bytes(fixtures) <= MAX_TOTAL_BYTES


@pytest.mark.slow
def test_regenerating_gives_identical_bytes(fixtures, tmp_path):
    generate(tmp_path / "sd15", log=lambda m: None)
    got, want = sha256sums(tmp_path / "sd15"), sha256sums(fixtures)
    assert sorted(got) == sorted(want), "file lists differ"
    differing = [p for p in want if got[p] != want[p]]
    assert not differing, f"regenerated files differ from the committed ones: {differing}"
    assert (tmp_path / "sd15" / "SHA256SUMS").read_bytes() == (fixtures / "SHA256SUMS").read_bytes()
