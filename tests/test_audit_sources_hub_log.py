"""Audit of issue 18, finding 1: what ``huggingface_hub`` logs reaches the terminal clean.

The library logs every ``X-HF-Warning`` header of a Hub answer through its own logger,
whose handler writes to stderr. A Hub (or whatever HF_ENDPOINT names) may put the
token, terminal escapes or bidi overrides in that header; none of it may reach the
terminal. Real processes: the library's handler writes to the stderr it found at
import, which only a subprocess captures as a user sees it.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Fakes, add_sections

TOKEN = "hf_SeCrEtToKeN0123456789abcdefXYZ"
DATASET = "Anthropic/hh-rlhf"
SPACE = "webml-community/ternary-bonsai-2-webgpu-kernels"
CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""C0 (but the line break), DEL, C1, bidi embeddings, overrides and isolates."""
# Header values the fake Hub sends, as "topic; message" (each its own header line). ASCII
# only: a header byte outside it fails the whole answer before the library sees it (the
# transport's Response takes ASCII headers); C1 and bidi characters are the next test's.
HEADERS = {
    "two-headers": [
        f"y; Your token {TOKEN} is deprecated",
        "z; \x1b]0;PWNED\x07\x1b[2J hello \x1b[31mRED",
    ],
    "one-header": [f"y; \x1b]0;PWNED\x07Your token {TOKEN} is deprecated\x1b[2J\x07"],
}


def alignfetch(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alignfetch", *args],
        cwd=folder,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def clean(where: str, text: str) -> None:
    assert TOKEN not in text and TOKEN[3:] not in text, (where, text)
    assert not CONTROLS.search(text), (where, text)


@pytest.fixture
def hub_list(fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    add_sections(listdir)
    with (listdir / "entries.toml").open("a", encoding="utf-8") as f:
        f.write('\n[[sections]]\nslug = "demos"\ntitle = "Demos"\n')
    return listdir


# Bug: huggingface_hub printed "Your token hf_… is deprecated" and raw escapes (a window
# title, a cleared screen, reversed text) on stderr for every X-HF-Warning header the Hub
# sent, unscrubbed and uncleaned, on add and on refresh, for datasets and Spaces alike.
@pytest.mark.parametrize("headers", HEADERS)
@pytest.mark.parametrize(
    ("ident", "section"), [(f"hf:{DATASET}", "english"), (f"hf-space:{SPACE}", "demos")]
)
def test_hub_warning_headers_reach_stderr_without_token_or_escapes(
    fakes: Fakes, hub_list: Path, headers: str, ident: str, section: str
) -> None:
    fakes.hub.warnings = HEADERS[headers]
    added = alignfetch(hub_list, "add", ident, "-s", section)
    assert added.returncode == 0, added.stderr
    refreshed = alignfetch(hub_list, "refresh", "--all")
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    for name, done in (("add", added), ("refresh", refreshed)):
        clean(f"{name} stdout", done.stdout)
        clean(f"{name} stderr", done.stderr)
        # The warning is still said (the Hub means it), the token replaced.
        assert "Your token [HF_TOKEN] is deprecated" in done.stderr, (name, done.stderr)
    # The token was sent, so the Hub had one to echo.
    assert any(TOKEN in str(r.headers) for r in fakes.server.log)


# Bug: a filter on the "huggingface_hub" logger sees only what that logger itself logs, not
# the records its child loggers (huggingface_hub.utils._http, which logs the headers) pass
# up to its handlers; and an application's own handler (here the root's) printed them raw.
def test_every_library_logger_and_every_later_handler_gets_the_clean_record(
    fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alignfetch.config import Settings
    from alignfetch.sources import hub

    monkeypatch.setenv("HF_TOKEN", TOKEN)
    hub.api(Settings.from_env())
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(self.format(record))

    keep = Keep()
    keep.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    root.addHandler(keep)
    try:
        child = logging.getLogger("huggingface_hub.utils._http")
        child.warning("token %s then \x1b[2J%s", TOKEN, "\u202e\x9b31m" + "x" * 2000)
        try:
            raise ValueError(TOKEN)
        except ValueError:
            logging.getLogger("huggingface_hub.some_later_module").error("failed", exc_info=True)
    finally:
        root.removeHandler(keep)
    assert len(seen) == 2
    assert seen[0].startswith("token [HF_TOKEN] then [2J31mxxx")
    assert len(seen[0]) <= hub.LOG_CAP
    assert seen[1] == "failed"  # no traceback, so no token in it either
    for text in seen:
        clean("log", text)
