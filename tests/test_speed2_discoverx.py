"""discover's ranking is the ``discover`` extra (issue 23): scikit-learn, SciPy and NumPy
are two thirds of an install that the nightly refresh, render and check never use."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from test_discover import daily_requests, project, rss  # noqa: F401  # fixtures

from conftest import Fakes, state

ROOT = Path(__file__).parents[1]

# Runs the CLI in an interpreter where scikit-learn cannot be imported, as after a plain
# `pip install alignfetch` (a None in sys.modules makes `import sklearn` fail).
WITHOUT_SKLEARN = """
import sys
sys.modules["sklearn"] = None
from alignfetch.cli import main
sys.argv[0] = "alignfetch"
main()
"""


def test_the_base_install_does_not_pull_scikit_learn() -> None:
    # Catches: scikit-learn (or SciPy, NumPy) back in the dependencies, 267 MB of every
    # install, nightly; and the extra that discover's message names gone or renamed.
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    heavy = ("scikit-learn", "scipy", "numpy")
    assert [d for d in meta["dependencies"] if d.lower().startswith(heavy)] == []
    assert any(d.startswith("scikit-learn") for d in meta["optional-dependencies"]["discover"])


def test_discover_without_the_extra_says_what_to_install_and_writes_nothing(
    fakes: Fakes, rss: object, project: Path  # noqa: F811
) -> None:
    # Catches: discover fetching and caching the day's listings (or failing with an
    # ImportError's traceback) before finding that it cannot rank them, or exiting 0.
    before = state(project)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])]
    )
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_SKLEARN, "discover"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    assert done.stderr == (
        "alignfetch: discover needs scikit-learn, which this install lacks: "
        "run `pip install 'alignfetch[discover]'` and try again.\n"
    )
    assert state(project) == before
    assert fakes.server.requests(r"^/rss") == [] and daily_requests(fakes) == []
