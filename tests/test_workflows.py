"""The GitHub workflows a list copies pass actionlint, so a list's nightly job is checked
before anyone copies it (its syntax, its expressions, and actions whose runtime GitHub has
removed from its runners, such as node20 in September 2026)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))


def _actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which(
        "actionlint"
    )
    if found is None:
        pytest.fail("actionlint is missing: install the test extras (pip install -e '.[test]').")
    return found


def test_there_are_workflows_to_check() -> None:
    assert [p.name for p in WORKFLOWS] == ["nightly.yml"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_actionlint(workflow: Path) -> None:
    # Catches: an action pinned to a major that runs on a removed runtime
    # (actions/checkout@v4 on node20), a mistyped input, a broken ${{ }} expression.
    done = subprocess.run(
        [_actionlint(), "-no-color", str(workflow)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_refuses_a_node20_action(tmp_path: Path) -> None:
    # The check above can fail: an old major is reported, so a passing run means something.
    old = tmp_path / "old.yml"
    old.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [_actionlint(), "-no-color", str(old)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "node20" in done.stdout
