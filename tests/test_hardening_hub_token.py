"""Issue 18, item 2: HF_TOKEN is never published, whatever Hub answer echoes it.

The token is set as a user sets it (the ``HF_TOKEN`` environment variable); the fake
Hub echoes it back in every kind's answer, in every text the kind's record takes from
it: a Space's card title and short description, a collection's title, description and
owner, a dataset's and a model's card and card metadata, a paper page's code link.
Then the token must be nowhere: not in what `add`, `show`, `list`, `refresh`,
`export` and `render` print, not in the README written, not in the cache's files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DATA, Fakes, add_sections, run

TOKEN = "hf_EchoedBackByTheHub0123456789abcdefXYZ"
ECHO = f"echo Bearer {TOKEN}"
DATASET = "Anthropic/hh-rlhf"
MODEL = "google-bert/bert-base-uncased"
SPACE = "webml-community/ternary-bonsai-2-webgpu-kernels"
COLLECTION = "prism-ml/bonsai-2-6aab292b9fa72a78652429df"
PAPER = "2305.16960"
IDS = [
    (f"hf:{DATASET}", "english"),
    (f"hf-model:{MODEL}", "models"),
    (f"hf-space:{SPACE}", "demos"),
    (f"hf-collection:{COLLECTION}", "models"),
    (PAPER, "evaluation"),
]


def echoing(fakes: Fakes) -> None:
    """Every Hub answer of the list's entries holds the token, in every text field."""
    from lxml import etree

    root = etree.parse(str(DATA / "hf" / "constructed_arxiv_papers_of_models.xml")).getroot()
    for entry in root.iterfind("{http://www.w3.org/2005/Atom}entry"):
        fakes.arxiv.put(etree.tostring(entry))
    hub = fakes.hub
    card = f"# Card\n\n## Dataset summary\n\nRun `{ECHO}` to read it.\n"
    hub.cards[DATASET.lower()] = card
    hub.model_cards[MODEL.lower()] = card.replace("Dataset", "Model")
    d = hub.datasets[DATASET.lower()]
    hub.datasets[DATASET.lower()] = dict(
        d,
        cardData={**d.get("cardData", {}), "license": [TOKEN], "language": [ECHO]},
        tags=[*d["tags"], f"task_categories:{TOKEN}", f"size_categories:{ECHO}"],
    )
    m = hub.models[MODEL.lower()]
    hub.models[MODEL.lower()] = dict(
        m, pipeline_tag=ECHO, library_name=TOKEN, tags=[*m["tags"], f"base_model:{TOKEN}"]
    )
    s = hub.spaces[SPACE.lower()]
    hub.spaces[SPACE.lower()] = dict(
        s,
        cardData={**s["cardData"], "title": ECHO, "short_description": ECHO, "emoji": TOKEN},
        runtime={**s["runtime"], "stage": TOKEN},
    )
    c = hub.collections[COLLECTION.lower()]
    hub.collections[COLLECTION.lower()] = dict(
        c, title=ECHO, description=f"Curated.\n{ECHO}", owner={**c["owner"], "name": TOKEN}
    )
    p = hub.papers[PAPER]
    hub.papers[PAPER] = dict(p, githubRepo=f"https://github.com/{TOKEN}/repo")


@pytest.fixture
def token_list(fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    add_sections(listdir)
    with (listdir / "entries.toml").open("a", encoding="utf-8") as f:
        f.write(
            '\n[[sections]]\nslug = "models"\ntitle = "Models"\n'
            '\n[[sections]]\nslug = "demos"\ntitle = "Demos"\n'
        )
    echoing(fakes)
    return listdir


def no_token(where: str, text: str | bytes) -> None:
    data = text.encode("utf-8") if isinstance(text, str) else text
    assert TOKEN.encode() not in data, where
    assert TOKEN[3:].encode() not in data, where  # not even without its hf_ prefix


def test_a_token_echoed_by_every_hub_kind_is_published_nowhere(
    fakes: Fakes, token_list: Path
) -> None:
    """Catches the token a Space or collection answer echoes reaching `show` (the audit
    saw `echo Bearer hf_…`), the cache, the export and the README: only datasets' and
    models' raw answers were scrubbed, and no kind's record."""
    printed: list[tuple[str, str]] = []
    for ident, section in IDS:
        result = run("add", ident, "-s", section)
        assert result.exit_code == 0, result.output
        printed.append((f"add {ident}", result.output))
    # The token was sent (so the fake had something to echo), and the answers held it.
    auth = {r.headers.get("Authorization") or r.headers.get("authorization") for r in fakes.server.log}
    assert f"Bearer {TOKEN}" in auth
    shown = run("show", f"hf-space:{SPACE}").stdout
    assert "[HF_TOKEN]" in shown  # the echo is shown, without the token
    for ident, _ in IDS:
        for args in (["show", ident], ["show", ident, "--json"]):
            result = run(*args)
            assert result.exit_code == 0, result.output
            printed.append((" ".join(args), result.output))
    for args in (["list"], ["export"], ["export", "--format", "csl-json"], ["render"]):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
        printed.append((" ".join(args), result.output))
    result = run("render", "-o", "README.md")
    assert result.exit_code == 0, result.output
    result = run("refresh", "--all")
    printed.append(("refresh", result.output))
    for where, text in printed:
        no_token(where, text)
    for path in sorted(token_list.rglob("*")):
        if path.is_file():
            no_token(str(path), path.read_bytes())
    readme = (token_list / "README.md").read_text(encoding="utf-8")
    assert "[HF_TOKEN]" in readme


def test_an_error_that_echoes_the_token_does_not_print_it(
    fakes: Fakes, token_list: Path
) -> None:
    """Catches the token in a failure's sentence: an answer whose fields cannot be read,
    for a collection whose slug (the ID asked for) the Hub echoes with the token."""
    from fakes.server import Response

    fakes.server.fail(
        "^/api/collections/",
        Response(500, f'{{"error": "{ECHO}"}}', {"X-Error-Message": ECHO}),
        times=99,
    )
    result = run("add", f"hf-collection:{COLLECTION}", "-s", "models")
    assert result.exit_code == 1
    no_token("add", result.output)
    for path in sorted(token_list.rglob("*")):
        if path.is_file():
            no_token(str(path), path.read_bytes())
