"""Issue 18, second audit, finding 1: a token echoed in JSON's escapes.

GITHUB_TOKEN (and HF_TOKEN) reached the list's output and the cache when the answer
spelt it with JSON ``\\u`` escapes: GitHub's text was scrubbed before parsing, and the
Hub's raw payload (kept as sent) only where the token was spelt plainly.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from conftest import DATA, Fakes, add_sections, run
from fakes.server import Response

GH_TOKEN = "ghp_EchoedBackByGitHub0123456789abcdefXYZ"
HF_TOKEN = "hf_EchoedBackByTheHub0123456789abcdefXYZ"
REPO = "CarperAI/trlx"
COLLECTION = "prism-ml/bonsai-2-6aab292b9fa72a78652429df"
READ = [
    ["list"],
    ["render"],
    ["export"],
    ["export", "--format", "bibtex"],
    ["export", "--format", "csl-json"],
]


def escaped(text: str) -> str:
    """``text`` with every character as JSON's ``\\uXXXX``."""
    return "".join(f"\\u{ord(c):04x}" for c in text)


def decoded(text: str) -> str:
    """``text`` with JSON's ``\\uXXXX`` escapes decoded, lower-cased, ``-`` as ``_``: the
    token is in it if any spelling of it is in ``text``."""
    plain = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), text)
    return plain.lower().replace("-", "_")


def leaks(folder: Path, token: str, outputs: list[str]) -> list[str]:
    """Where ``token`` shows, in any spelling: the outputs, then every file's bytes."""
    wanted = token.lower()
    found = [f"output {i}" for i, out in enumerate(outputs) if wanted in decoded(out)]
    files = [p for p in folder.rglob("*") if p.is_file()]
    found += [str(p) for p in files if wanted in decoded(p.read_bytes().decode("latin-1"))]
    return found


# -- finding 1: a token echoed in escapes ----------------------------------------------


def trlx(edit: str) -> bytes:
    """The recorded answer for CarperAI/trlx, with ``edit`` made to its JSON text."""
    body = json.loads((DATA / "reference/github/repos_CarperAI_trlx.body.json").read_text())
    text = json.dumps(body)
    field, value = edit.split("=", 1)
    if field == "topics":
        return text.replace('"topics": [', f'"topics": ["{value}", ', 1).encode()
    if field == "license":
        body["license"] = {"key": "x", "name": "PLACEHOLDER", "spdx_id": "PLACEHOLDER"}
    else:
        body[field] = "PLACEHOLDER"
    return json.dumps(body).replace("PLACEHOLDER", value).encode()


GH_ECHOES = {
    # Every field of the record an answer fills, the token spelt as JSON may spell it.
    "description": f"description=run echo {escaped(GH_TOKEN)}",
    "description, one letter": f"description=run echo \\u0067hp_{GH_TOKEN[4:]}",
    "homepage": f"homepage=https://x.org/?t={escaped(GH_TOKEN)}",
    "license": f"license={escaped(GH_TOKEN)}",
    "topic": f"topics={escaped(GH_TOKEN.lower().replace('_', '-'))}",
    "name": f"name=trlx{escaped(GH_TOKEN)}",
    "default branch": f"default_branch={escaped(GH_TOKEN)}",
}


# Bug: sources/github.py replaced the token in the answer's raw text, then parsed it: a
# token written \u0067hp_... survived the replace, JSON decoded it into the record, and
# add, show, show --json, export and the cache all held it plainly.
@pytest.mark.parametrize("edit", list(GH_ECHOES.values()), ids=list(GH_ECHOES))
def test_github_token_echoed_in_json_escapes_is_nowhere(
    edit: str, fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", GH_TOKEN)
    add_sections(listdir)
    fakes.github.put(trlx(edit))
    added = run("add", f"gh:{REPO}", "-s", "rlhf")
    assert added.exit_code == 0, added.output
    outputs = [added.output] + [
        run(*cmd).output
        for cmd in [*READ, ["show", f"gh:{REPO}"], ["show", f"gh:{REPO}", "--json"]]
    ]
    assert "[GITHUB_TOKEN]" in "".join(outputs)  # what the answer said, the token left out
    assert leaks(listdir, GH_TOKEN, outputs) == []
    with sqlite3.connect(listdir / ".alignfetch" / "cache.sqlite") as db:
        (record,) = db.execute(
            "select record from records where id = ?", (f"gh:{REPO}",)
        ).fetchone()
    assert GH_TOKEN.lower() not in decoded(record)
    # The token was sent: GitHub had one to echo.
    assert any(GH_TOKEN in str(r.headers) for r in fakes.server.requests("^/repos/"))


# Bug: a Hub collection's raw payload is kept as the Hub sent it, and the token was only
# replaced where it was spelt plainly: \u0068f_... stayed in the cache's raw column.
def test_hub_token_echoed_in_json_escapes_is_not_in_the_kept_payload(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", HF_TOKEN)
    add_sections(listdir)
    with (listdir / "entries.toml").open("a", encoding="utf-8") as f:
        f.write('\n[[sections]]\nslug = "models"\ntitle = "Models"\n')
    answer = dict(fakes.hub.collections[COLLECTION.lower()])
    answer["title"] = answer["description"] = "PLACEHOLDER"
    body = json.dumps(answer).replace("PLACEHOLDER", f"echo \\u0068f_{HF_TOKEN[3:]}")
    hub = Response(200, body.encode(), {"Content-Type": "application/json"})
    fakes.server.fail(r"^/api/collections/", hub, times=9)
    ident = f"hf-collection:{COLLECTION}"
    added = run("add", ident, "-s", "models")
    assert added.exit_code == 0, added.output
    outputs = [added.output] + [
        run(*cmd).output for cmd in [*READ, ["show", ident], ["show", ident, "--json"]]
    ]
    assert leaks(listdir, HF_TOKEN, outputs) == []
    with sqlite3.connect(listdir / ".alignfetch" / "cache.sqlite") as db:
        (raw,) = db.execute("select raw from records where id = ?", (ident,)).fetchone()
    kept = json.loads(raw)  # still the Hub's JSON, the token replaced inside its strings
    assert kept["description"] == "echo [HF_TOKEN]"
    assert any(HF_TOKEN in str(r.headers) for r in fakes.server.requests("^/api/collections/"))


# Bug (of the fix): a JSON payload whose string holds a backslash right before the token
# (\\u0068f_...) would be left as \[HF_TOKEN]: no longer JSON, so the kept payload broke.
def test_scrubbing_an_escaped_token_keeps_a_payload_json() -> None:
    from alignfetch.sources.tokens import scrub

    for text in [
        f"a \\\\{HF_TOKEN} b",
        f"a \\\\\\u0068f_{HF_TOKEN[3:]}",
        f"\\\\{escaped(HF_TOKEN)}",
    ]:
        payload = json.dumps({"x": "PLACEHOLDER"}).replace("PLACEHOLDER", text)
        json.loads(payload)
        out = scrub(payload, HF_TOKEN, "[HF_TOKEN]")
        assert "[HF_TOKEN]" in json.loads(out)["x"], out
        assert HF_TOKEN.lower() not in decoded(out)
    # A short token (a test's, a placeholder) is matched with its case: no word goes with it.
    assert scrub("hf_SeCrEt and hf_SECRET", "hf_SECRET", "[HF_TOKEN]") == "hf_SeCrEt and [HF_TOKEN]"
