"""`alignfetch check`: what a README or the list says, against what the fakes serve.

Expected findings are read off tests/data/reference/awesome-llm-alignment.README.md
and the recorded responses by hand: line 123 (Safe-RLHF) links to CarperAI/trlx
while its text and both badges name PKU-Alignment/safe-rlhf; line 29 (2204.05862,
one version, 12 Apr 2022) shows 28 Oct 2022; line 93 (the hh-rlhf dataset, whose
paper is 2204.05862 of 2022) says "arXiv 2023". Line 19 (2206.08325) also shows
28 Oct 2022, which is its v2's date: correct, and must not be flagged.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Fakes, run, state
from test_render import REFERENCE


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_probe(fakes: Fakes, here: Path) -> None:
    r = run("check", "--stale-months", "600", str(REFERENCE))
    print(r.stdout)
    print(r.stderr)
    r = run("check", "--format", "github", "--stale-months", "600", str(REFERENCE))
    print(r.stdout)
    assert 0
