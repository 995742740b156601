"""Issue 18, items 16 and 14 (the Hub's part): behaviours no test pinned.

- 16a: a dataset's or model's card loses its HTML comments (``<!-- TODO -->``, the
  Hub template's ``<!-- Provide a quick summary ... -->``) before it becomes a summary.
- 16b: once the Hub rate-limits (429) a key of a large batch, no later key is asked
  for: not in the chunk being fetched, not in the chunks after it (counted at the
  fake server).
- 14: a Hub host name that does not resolve is not retried with back-off.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from alignfetch.sources import hub_repo
from conftest import DATA, Fakes, add_sections, run, state
from fakes.server import Response

# -- 16a: HTML comments ---------------------------------------------------------------------

# The Hub's card template comments its sections; maintainers leave TODOs the same way.
COMMENTED_CARD = """\
---
license: mit
---
# Dataset Card for Dialogues

<!-- Provide a quick summary of the dataset. -->

## Dataset Summary

<!-- TODO -->

Human preference dialogues for training helpful assistants.<!-- TODO: cite the paper -->

<!--
A note to the maintainers,

over two paragraphs.
-->

Each row holds two answers <!-- (chosen, rejected) --> to one prompt.

## Uses

Anything.
"""
EXPECTED = (
    "Human preference dialogues for training helpful assistants.\n\n"
    "Each row holds two answers  to one prompt."
)
# Without a summary section: the first prose paragraphs, comments out of them too.
PROSE_CARD = """\
# Dialogues

A corpus of dialogues. <!-- TODO: say how large -->

<!-- Provide a longer summary of what this dataset is.

It spans paragraphs. -->

Collected in 2022.
"""


def test_card_summary_drops_html_comments() -> None:
    """Catches comments left in a summary (the removal was deleted once and no test
    noticed): a comment paragraph, one after a sentence, one inside it, one over two
    paragraphs, in a summary section and in a card's opening prose."""
    assert hub_repo.card_summary(COMMENTED_CARD) == EXPECTED
    assert hub_repo.card_summary(PROSE_CARD) == "A corpus of dialogues.\n\nCollected in 2022."


def sections(folder: Path) -> None:
    add_sections(folder)
    with (folder / "entries.toml").open("a", encoding="utf-8") as f:
        f.write('\n[[sections]]\nslug = "models"\ntitle = "Models"\n')


def serve_model_papers(fakes: Fakes) -> None:
    from lxml import etree

    root = etree.parse(str(DATA / "hf" / "constructed_arxiv_papers_of_models.xml")).getroot()
    for entry in root.iterfind("{http://www.w3.org/2005/Atom}entry"):
        fakes.arxiv.put(etree.tostring(entry))


def test_a_commented_card_is_stored_shown_and_rendered_without_its_comments(
    fakes: Fakes, listdir: Path
) -> None:
    """The same through `add` of a dataset and a model: what `show`, `export` and the
    README hold has no comment and no TODO."""
    sections(listdir)
    serve_model_papers(fakes)
    fakes.hub.cards["anthropic/hh-rlhf"] = COMMENTED_CARD
    fakes.hub.model_card("google-bert/bert-base-uncased", COMMENTED_CARD)
    assert run("add", "hf:Anthropic/hh-rlhf", "-s", "english").exit_code == 0
    assert run("add", "hf-model:google-bert/bert-base-uncased", "-s", "models").exit_code == 0
    for ident in ("hf:Anthropic/hh-rlhf", "hf-model:google-bert/bert-base-uncased"):
        assert json.loads(run("show", ident, "--json").stdout)["summary"] == EXPECTED
    for output in (run("show", "hf:Anthropic/hh-rlhf").stdout, run("export").stdout,
                   run("render").stdout):
        assert "<!--" not in output and "&lt;!--" not in output and "TODO" not in output


# -- 16b: a rate limit stops a large batch ---------------------------------------------------

MANY = [f"bench/set-{n:02d}" for n in range(60)]  # three of the pipeline's chunks of 25
LIMITED = 2


def many_datasets(fakes: Fakes, folder: Path) -> None:
    """60 datasets in the list (none cached yet) and on the fake Hub, each with a card."""
    body = fakes.hub.datasets["anthropic/hh-rlhf"]
    card = DATA / "reference" / "hf" / "card_Anthropic_hh-rlhf_README.md"
    for name in MANY:
        fakes.hub.datasets[name] = dict(body, id=name)
        fakes.hub.card(name, card)
    add_sections(folder)
    with (folder / "entries.toml").open("a", encoding="utf-8") as f:
        for name in MANY:
            f.write(f'\n[[entries]]\nid = "hf:{name}"\nsection = "english"\n')


def asked(fakes: Fakes) -> set[int]:
    """Which of the datasets the fake Hub was asked for (info or card), by index."""
    return {
        MANY.index(name)
        for r in fakes.server.requests(r"/bench/")
        if (name := "bench/" + r.path.split("/bench/", 1)[1].split("/", 1)[0]) in MANY
    }


@pytest.mark.parametrize("command", ["refresh", "add"])
def test_a_rate_limit_in_a_large_batch_stops_every_later_request(
    fakes: Fakes, listdir: Path, command: str
) -> None:
    """Catches the later chunks of a batch being requested after the Hub said 429 (a
    planted bug went unnoticed: every later key still failed, but each was asked first,
    so a nightly job of a long list hammered a Hub that had asked it to stop)."""
    many_datasets(fakes, listdir)
    fakes.server.latency = 0.05  # requests overlap, as with a distant Hub
    fakes.server.fail(
        rf"^/api/datasets/bench/set-{LIMITED:02d}$",
        Response(429, '{"error": "rate limited"}', {"Retry-After": "0"}),
        times=99,
    )
    if command == "add":
        (listdir / "entries.toml").write_text(
            (listdir / "entries.toml").read_text().split("\n[[entries]]")[0], encoding="utf-8"
        )
        before = state(listdir)
        result = run("add", *(f"hf:{n}" for n in MANY), "-s", "english")
        assert (result.exit_code, result.stdout) == (1, "")
        assert len(result.stderr.splitlines()) == 1
        assert "rate-limiting requests (HTTP 429)" in result.stderr
        assert state(listdir) == before
    else:
        result = run("refresh", "--all")
        assert result.exit_code == 1
        assert result.stdout == (
            "Checked 60 entries: 2 fetched for the first time, 58 failed.\n\n"
            "Failed, with no data yet (never fetched successfully):\n"
            "- hf:bench/set-02, hf:bench/set-03, hf:bench/set-04 and 55 more: The Hugging Face "
            "Hub is rate-limiting requests (HTTP 429) after 3 attempts; wait a few minutes and "
            "try again, or set HF_TOKEN for a higher limit.\n"
        )
    got = asked(fakes)
    assert LIMITED in got and 0 in got
    assert not got & set(range(25, 60)), sorted(got)  # the later chunks: never asked
    # Within the limited chunk, only the keys already in flight were let through.
    assert max(got) < LIMITED + 12, sorted(got)
    assert len(fakes.server.requests(rf"^/api/datasets/bench/set-{LIMITED:02d}$")) == 3


# -- 14: a host name that does not resolve --------------------------------------------------


def test_an_unknown_hub_host_fails_at_once(listdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Catches a Hub whose name does not resolve being asked again with back-off (16 s
    in the audit before the one sentence): a name that does not resolve now will not
    resolve in a second. No clock is read: the resolver counts the attempts."""
    monkeypatch.setenv("HF_ENDPOINT", "http://no-such-hub.invalid")
    monkeypatch.setenv("ALIGNFETCH_RETRIES", "2")
    monkeypatch.setenv("ALIGNFETCH_BACKOFF", "0")
    for var in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    lookups: list[str] = []
    resolve = socket.getaddrinfo

    def counted(host: object, *args: Any, **kwargs: Any) -> Any:
        if host == "no-such-hub.invalid":
            lookups.append(str(host))
        return resolve(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", counted)
    add_sections(listdir)
    before = state(listdir)
    result = run("add", "hf:Anthropic/hh-rlhf", "-s", "english")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "alignfetch: The Hugging Face Hub could not be reached at http://no-such-hub.invalid "
        "(unknown host no-such-hub.invalid); check the network or HF_ENDPOINT.\n"
    )
    assert state(listdir) == before
    assert lookups == ["no-such-hub.invalid"]  # one attempt: retries were 2
